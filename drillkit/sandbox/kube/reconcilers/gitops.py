"""An Argo CD Application with automated sync and selfHeal, over some of the world's workloads.

Argo CD (argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/): "Argo CD has the ability to
automatically sync an application when it detects differences between the desired manifests in
Git, and the live state in the cluster"; with ``selfHeal`` a drift made in the cluster (an
edited ``spec.replicas``) is synced back too, after the self-heal timeout (``delay`` here).
Resources are tracked by the annotation
``argocd.argoproj.io/tracking-id: <app>:<group>/<kind>:<namespace>/<name>``
(argo-cd.readthedocs.io/en/stable/user-guide/resource_tracking/). Pausing self-heal means
``spec.syncPolicy.automated.selfHeal: false`` on the Application (or ``automated.enabled:
false``, which "will skip automated sync even if prune, self-heal and allowEmpty are set");
the loop reads the Application on every tick.
"""

from __future__ import annotations

from drillkit.sandbox.hostile import GitOps as Settings
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.managed import writing
from drillkit.sandbox.kube.objects import replicas
from drillkit.sandbox.kube.reconcilers.base import (
    adopt,
    declared_replicas,
    ensure_namespace,
    set_replicas,
    workload,
)
from drillkit.sandbox.kube.store import Store
from drillkit.sandbox.kube.workloads import set_status
from drillkit.sandbox.world import World

MANAGER = "argocd-application-controller"
TRACKING = "argocd.argoproj.io/tracking-id"
INSTANCE_LABEL = "app.kubernetes.io/instance"  # label tracking


class GitOps:
    """Self-heal: restore each workload's declared replicas once drift lasted ``delay``."""

    def __init__(self, world: World, settings: Settings) -> None:
        self.settings = settings
        self.interval = min(0.1, float(settings.delay))
        self.desired = {t: declared_replicas(world, t) for t in settings.workloads}
        self._drift_since: dict[object, float] = {}

    def seed(self, store: Store) -> None:
        s = self.settings
        ensure_namespace(store, s.namespace)
        store.create(
            R.APPLICATIONS.key,
            {
                "kind": "Application",
                "apiVersion": "argoproj.io/v1alpha1",
                "metadata": {"name": s.application, "namespace": s.namespace},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": "https://git.sandbox.test/shop.git",
                        "path": "deploy",
                        "targetRevision": "HEAD",
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": s.workloads[0].namespace if s.workloads else "default",
                    },
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": s.self_heal}},
                },
                "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}},
            },
            generation=True,
        )
        for target in s.workloads:
            if s.tracking == "label":
                adopt(store, target, MANAGER, labels={INSTANCE_LABEL: s.application})
                continue
            tracking = f"{s.application}:apps/{target.kind}:{target.namespace}/{target.name}"
            adopt(store, target, MANAGER, annotations={TRACKING: tracking})

    def _self_heal(self, store: Store) -> bool:
        s = self.settings
        app = store.get(R.APPLICATIONS.key, s.namespace, s.application)
        automated = ((app or {}).get("spec") or {}).get("syncPolicy", {}).get("automated")
        return (
            isinstance(automated, dict)
            and automated.get("selfHeal") is True
            and automated.get("enabled") is not False
        )

    def tick(self, store: Store, now: float) -> None:
        s = self.settings
        drifted = []
        for target, want in self.desired.items():
            obj = workload(store, target)
            if obj is None or replicas(obj) == want:
                self._drift_since.pop(target, None)
                continue
            drifted.append(target)
            since = self._drift_since.setdefault(target, now)
            if self._self_heal(store) and now - since >= float(s.delay):
                with writing(MANAGER):
                    set_replicas(store, target, want)
                self._drift_since.pop(target, None)
        app = store.get(R.APPLICATIONS.key, s.namespace, s.application)
        if app is not None:
            sync = "OutOfSync" if drifted else "Synced"
            status = {**(app.get("status") or {}), "sync": {"status": sync}}
            with writing(MANAGER):
                set_status(store, R.APPLICATIONS, app, status)
