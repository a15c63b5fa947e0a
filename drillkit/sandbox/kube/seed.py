"""The objects a region starts with, from the world file: nodes, namespaces and workloads
(plus AKS's pools and add-ons with ``aks.enabled``; reconcilers and strays seed themselves)."""

from __future__ import annotations

from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.aks import addon_objects, region_nodes
from drillkit.sandbox.kube.store import Obj, Store
from drillkit.sandbox.kube.validation import apply_defaults
from drillkit.sandbox.world import Workload, World

IMAGE = "registry.sandbox.test/shop/{name}:1.0"


def _namespace(name: str) -> Obj:
    return {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def _template(name: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": name}},
        "spec": {
            "containers": [
                {
                    "name": name,
                    "image": IMAGE.format(name=name),
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                }
            ],
        },
    }


def workload_object(namespace: str, workload: Workload) -> tuple[R.Resource, Obj]:
    res = {"Deployment": R.DEPLOYMENTS, "StatefulSet": R.STATEFULSETS, "DaemonSet": R.DAEMONSETS}[
        workload.kind
    ]
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": workload.name}},
        "template": _template(workload.name),
    }
    if workload.kind != "DaemonSet":
        spec["replicas"] = workload.replicas
    if workload.kind == "StatefulSet":
        spec["serviceName"] = workload.name
    obj = {
        "kind": workload.kind,
        "apiVersion": "apps/v1",
        "metadata": {
            "name": workload.name,
            "namespace": namespace,
            "labels": {"app": workload.name},
        },
        "spec": spec,
    }
    return res, apply_defaults(res, obj)


def seed(store: Store, world: World, region: str) -> None:
    """Create the region's nodes and every namespace's workloads, PDBs and HPAs."""
    for name in ("default", "kube-system", *(ns.name for ns in world.namespaces)):
        if store.get(R.NAMESPACES.key, "", name) is None:
            store.create(R.NAMESPACES.key, _namespace(name))
    for node in region_nodes(world.aks, region, world.regions[region].nodes):
        store.create(R.NODES.key, node)
    if world.aks.enabled:
        for res, obj in addon_objects(world.aks):
            store.create(res.key, obj, generation=res.has_generation)
    for ns in world.namespaces:
        for workload in ns.workloads:
            res, obj = workload_object(ns.name, workload)
            store.create(res.key, obj, generation=True)
            if workload.pdb is not None:
                spec: dict[str, Any] = {"selector": {"matchLabels": {"app": workload.name}}}
                if workload.pdb.max_unavailable is not None:
                    spec["maxUnavailable"] = workload.pdb.max_unavailable
                else:
                    spec["minAvailable"] = workload.pdb.min_available
                store.create(
                    R.PDBS.key,
                    {
                        "kind": "PodDisruptionBudget",
                        "apiVersion": "policy/v1",
                        "metadata": {"name": workload.name, "namespace": ns.name},
                        "spec": spec,
                        "status": {
                            "disruptionsAllowed": 0,
                            "currentHealthy": 0,
                            "desiredHealthy": 0,
                            "expectedPods": 0,
                        },
                    },
                    generation=True,
                )
            if workload.hpa is not None:
                low, high = workload.hpa
                store.create(
                    R.HPAS.key,
                    {
                        "kind": "HorizontalPodAutoscaler",
                        "apiVersion": "autoscaling/v2",
                        "metadata": {"name": workload.name, "namespace": ns.name},
                        "spec": {
                            "scaleTargetRef": {
                                "apiVersion": "apps/v1",
                                "kind": workload.kind,
                                "name": workload.name,
                            },
                            "minReplicas": low,
                            "maxReplicas": high,
                            "metrics": [
                                {
                                    "type": "Resource",
                                    "resource": {
                                        "name": "cpu",
                                        "target": {"type": "Utilization", "averageUtilization": 80},
                                    },
                                }
                            ],
                        },
                        "status": {"desiredReplicas": workload.replicas},
                    },
                    generation=True,
                )
