"""Flux: a Kustomization (kustomize.toolkit.fluxcd.io/v1, stored by the twin) and the
kustomize-controller's reconciliation, which re-applies the declared state every
``spec.interval`` and so reverts a drifted ``spec.replicas``.

Flux (fluxcd.io/flux/components/kustomize/kustomizations/, "Suspend"): "``.spec.suspend`` is an
optional boolean field to suspend the reconciliation of the Kustomization"; ``flux suspend
kustomization`` sets it. The controller applies with server-side apply (operation ``Apply``,
field manager ``kustomize-controller``) and labels what it applies
``kustomize.toolkit.fluxcd.io/name`` and ``kustomize.toolkit.fluxcd.io/namespace``.
"""

from __future__ import annotations

from drillkit.sandbox.hostile import Flux as Settings
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.managed import writing
from drillkit.sandbox.kube.reconcilers.base import (
    adopt,
    declared_replicas,
    ensure_namespace,
    set_replicas,
)
from drillkit.sandbox.kube.store import Store
from drillkit.sandbox.world import World

MANAGER = "kustomize-controller"
NAME_LABEL = "kustomize.toolkit.fluxcd.io/name"
NAMESPACE_LABEL = "kustomize.toolkit.fluxcd.io/namespace"


class Flux:
    """Every ``interval``, unless the Kustomization is suspended: apply the declared replicas."""

    def __init__(self, world: World, settings: Settings) -> None:
        self.settings = settings
        self.interval = float(settings.interval)
        self.desired = {t: declared_replicas(world, t) for t in settings.workloads}
        self._last = 0.0

    def seed(self, store: Store) -> None:
        s = self.settings
        ensure_namespace(store, s.namespace)
        store.create(
            R.KUSTOMIZATIONS.key,
            {
                "kind": "Kustomization",
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                "metadata": {"name": s.kustomization, "namespace": s.namespace},
                "spec": {
                    "interval": str(s.interval),
                    "path": "./deploy",
                    "prune": True,
                    "sourceRef": {"kind": "GitRepository", "name": s.kustomization},
                    "suspend": False,
                },
            },
            generation=True,
        )
        labels = {NAME_LABEL: s.kustomization, NAMESPACE_LABEL: s.namespace}
        for target in s.workloads:
            adopt(store, target, MANAGER, operation="Apply", labels=labels)

    def tick(self, store: Store, now: float) -> None:
        if now - self._last < self.interval:
            return
        self._last = now
        s = self.settings
        ks = store.get(R.KUSTOMIZATIONS.key, s.namespace, s.kustomization)
        if ks is None or (ks.get("spec") or {}).get("suspend") is True:
            return
        with writing(MANAGER, operation="Apply"):
            for target, want in self.desired.items():
                set_replicas(store, target, want)
