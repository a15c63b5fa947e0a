"""Kubernetes through the official client, one module per resource family; ``KubeCluster``
composes them into the engine's ``Cluster`` port."""

from __future__ import annotations

from drillkit.adapters.kube.access import KubeAccess
from drillkit.adapters.kube.budgets import KubeBudgets
from drillkit.adapters.kube.connection import IN_CLUSTER
from drillkit.adapters.kube.leases import KubeLeases
from drillkit.adapters.kube.markers import KubeMarkers
from drillkit.adapters.kube.nodes import KubeNodes
from drillkit.adapters.kube.objects import KubeObjects
from drillkit.adapters.kube.pods import KubePods
from drillkit.adapters.kube.workloads import KubeWorkloads

__all__ = ["IN_CLUSTER", "KubeCluster"]


class KubeCluster(
    KubeAccess,
    KubeNodes,
    KubePods,
    KubeWorkloads,
    KubeBudgets,
    KubeLeases,
    KubeMarkers,
    KubeObjects,
):
    """``Cluster`` for one kubeconfig context (or the pod's own cluster)."""
