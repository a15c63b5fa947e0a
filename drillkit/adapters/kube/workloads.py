"""Deployments and StatefulSets through /scale, and the HPAs that bound them."""

from __future__ import annotations

from typing import Any

from drillkit.adapters.kube.connection import FIELD_MANAGER, KubeConnection
from drillkit.adapters.ports import HpaState, WorkloadState
from drillkit.errors import PermanentAdapterError


class KubeWorkloads(KubeConnection):
    """``Workloads``."""

    def list_workloads(self, namespace: str, selector: str) -> list[WorkloadState]:
        deployments = self._call(
            "list deployments",
            lambda: self.apps.list_namespaced_deployment(namespace, label_selector=selector),
        )
        statefulsets = self._call(
            "list statefulsets",
            lambda: self.apps.list_namespaced_stateful_set(namespace, label_selector=selector),
        )
        return [_workload("Deployment", d) for d in deployments.items] + [
            _workload("StatefulSet", s) for s in statefulsets.items
        ]

    def get_workload(self, kind: str, namespace: str, name: str) -> WorkloadState | None:
        read = (
            self.apps.read_namespaced_deployment
            if kind == "Deployment"
            else self.apps.read_namespaced_stateful_set
        )
        try:
            return _workload(kind, self._call(f"read {kind} {name}", lambda: read(name, namespace)))
        except PermanentAdapterError as e:
            if e.status == 404:
                return None
            raise

    def set_replicas(self, kind: str, namespace: str, name: str, replicas: int) -> None:
        patch = (
            self.apps.patch_namespaced_deployment_scale
            if kind == "Deployment"
            else self.apps.patch_namespaced_stateful_set_scale
        )
        body = {"spec": {"replicas": replicas}}
        self._call(
            f"scale {kind} {namespace}/{name}",
            lambda: patch(name, namespace, body, field_manager=FIELD_MANAGER),
        )

    def list_hpas(self, namespace: str) -> list[HpaState]:
        hpas = self._call(
            "list hpas",
            lambda: self.autoscaling.list_namespaced_horizontal_pod_autoscaler(namespace),
        )
        return [
            HpaState(
                namespace=namespace,
                name=(h.metadata.name or "") if h.metadata else "",
                target_kind=h.spec.scale_target_ref.kind,
                target_name=h.spec.scale_target_ref.name,
                min_replicas=h.spec.min_replicas if h.spec.min_replicas is not None else 1,
                max_replicas=h.spec.max_replicas,
            )
            for h in hpas.items
        ]


def _workload(kind: str, obj: Any) -> WorkloadState:
    status = obj.status
    return WorkloadState(
        kind=kind,
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        replicas=obj.spec.replicas if obj.spec.replicas is not None else 1,
        ready=(status.ready_replicas or 0) if status else 0,
    )
