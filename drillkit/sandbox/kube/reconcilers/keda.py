"""KEDA: ScaledObjects (keda.sh/v1alpha1, stored by the twin) and the operator's scale loop.

The KEDA operator keeps a ScaledObject's target at least at ``minReplicaCount`` (and scales it
from zero when a trigger is active; the twin's triggers are never active). Pausing
(keda.sh/docs/latest/reference/scaledobject-spec/, and the pause section of
keda.sh/docs/latest/concepts/scaling-deployments/): the annotation
``autoscaling.keda.sh/paused-replicas: "N"`` makes KEDA scale the target to N and stop
autoscaling until the annotation is removed; ``autoscaling.keda.sh/paused: "true"`` stops it
where it is. The operator writes the target's /scale with field manager ``keda-operator``.
KEDA also owns an HPA named ``keda-hpa-<scaledobject>`` over the same target.
"""

from __future__ import annotations

from drillkit.sandbox.hostile import Keda as Settings
from drillkit.sandbox.hostile import ScaledObject, Target
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.managed import writing
from drillkit.sandbox.kube.objects import replicas
from drillkit.sandbox.kube.reconcilers.base import KINDS, set_replicas, workload
from drillkit.sandbox.kube.store import Store

MANAGER = "keda-operator"
PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas"
PAUSED = "autoscaling.keda.sh/paused"


class Keda:
    """Every ``pollingInterval``: paused -> hold the paused count; else at least the minimum."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.interval = float(settings.polling_interval)
        self._last = 0.0

    def seed(self, store: Store) -> None:
        for so in self.settings.scaled_objects:
            store.create(R.SCALEDOBJECTS.key, _scaled_object(so), generation=True)
            store.create(
                R.HPAS.key,
                {
                    "kind": "HorizontalPodAutoscaler",
                    "apiVersion": "autoscaling/v2",
                    "metadata": {
                        "name": f"keda-hpa-{so.name}",
                        "namespace": so.namespace,
                        "labels": {"scaledobject.keda.sh/name": so.name},
                    },
                    "spec": {
                        "scaleTargetRef": {
                            "apiVersion": "apps/v1",
                            "kind": so.target.kind,
                            "name": so.target.name,
                        },
                        "minReplicas": max(1, so.min_replica_count),
                        "maxReplicas": so.max_replica_count,
                        "metrics": [],
                    },
                },
                generation=True,
            )

    def tick(self, store: Store, now: float) -> None:
        if now - self._last < self.interval:
            return
        self._last = now
        for so in list(store.items(R.SCALEDOBJECTS.key)):
            annotations = so["metadata"].get("annotations") or {}
            spec = so.get("spec") or {}
            ref = spec.get("scaleTargetRef") or {}
            kind = ref.get("kind") or "Deployment"
            if kind not in KINDS or not ref.get("name"):
                continue
            target = Target(namespace=so["metadata"]["namespace"], kind=kind, name=ref["name"])
            obj = workload(store, target)
            if obj is None or str(annotations.get(PAUSED, "")).lower() == "true":
                continue
            paused = annotations.get(PAUSED_REPLICAS)
            if paused is not None:
                try:
                    want = int(paused)
                except ValueError:
                    continue
            else:
                low = spec.get("minReplicaCount", 0)
                want = max(replicas(obj), low if isinstance(low, int) else 0)
            with writing(MANAGER, "scale"):
                set_replicas(store, target, want)


def _scaled_object(so: ScaledObject) -> dict[str, object]:
    return {
        "kind": "ScaledObject",
        "apiVersion": "keda.sh/v1alpha1",
        "metadata": {"name": so.name, "namespace": so.namespace},
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": so.target.kind,
                "name": so.target.name,
            },
            "pollingInterval": 30,
            "minReplicaCount": so.min_replica_count,
            "maxReplicaCount": so.max_replica_count,
            "triggers": [{"type": "cpu", "metricType": "Utilization", "metadata": {"value": "80"}}],
        },
    }
