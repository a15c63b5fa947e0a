"""AKS realism for a region: node pools with AKS's labels and the kube-system add-ons.

"System node pools serve the primary purpose of hosting critical system pods such as CoreDNS
and metrics-server" (learn.microsoft.com/azure/aks/use-system-pools); their nodes are labelled
``kubernetes.azure.com/mode=system``, user pools ``...=user``, and every node ``agentpool``
(and ``kubernetes.azure.com/agentpool``) with its pool's name. AKS ships PodDisruptionBudgets for
coredns, konnectivity-agent and metrics-server (github.com/Azure/AKS/issues/3384 lists
``coredns-pdb``, ``konnectivity-agent``, ``metrics-server-pdb``), so a drain that evicts
kube-system pods blocks on them.

System nodes carry the ``CriticalAddonsOnly=true:NoSchedule`` taint of a dedicated system pool,
so the application's pods (and DaemonSets without the toleration) run on the user pool only.

Simplification: AKS's add-ons *prefer* system nodes through node affinity; the twin's scheduler
has no preferences, so here they *require* them (a nodeSelector on the mode label).
"""

from __future__ import annotations

from typing import Any

from drillkit.sandbox.hostile import Aks
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.objects import node_object
from drillkit.sandbox.kube.store import Obj
from drillkit.sandbox.kube.validation import apply_defaults

MODE = "kubernetes.azure.com/mode"
# "Dedicated system node pools": system pods tolerate it, application pods land on user pools
# (learn.microsoft.com/azure/aks/use-system-pools, --node-taints CriticalAddonsOnly=true:NoSchedule)
SYSTEM_TAINT = {"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"}
AGENTPOOL = "agentpool"
AKS_AGENTPOOL = "kubernetes.azure.com/agentpool"
ADDON_IMAGE = "mcr.microsoft.com/oss/kubernetes/{name}:sandbox"
# (name, labels, PDB name) as AKS ships them
ADDONS: tuple[tuple[str, dict[str, str], str], ...] = (
    ("coredns", {"k8s-app": "kube-dns"}, "coredns-pdb"),
    ("konnectivity-agent", {"app": "konnectivity-agent"}, "konnectivity-agent"),
    ("metrics-server", {"k8s-app": "metrics-server"}, "metrics-server-pdb"),
)


def pool_labels(aks: Aks, mode: str) -> dict[str, str]:
    """The labels AKS puts on every node of a system or user pool."""
    pool = aks.system_pool if mode == "system" else aks.user_pool
    return {MODE: mode, AGENTPOOL: pool, AKS_AGENTPOOL: pool}


def region_nodes(aks: Aks, region: str, user_nodes: int) -> list[Obj]:
    """``<region>-node-<n>`` (the user pool), and with realism ``<region>-system-<n>`` too."""
    if not aks.enabled:
        return [node_object(f"{region}-node-{i}", region, i) for i in range(1, user_nodes + 1)]
    nodes = [
        node_object(f"{region}-system-{i}", region, 100 + i, pool_labels(aks, "system"))
        for i in range(1, aks.system_nodes + 1)
    ]
    for node in nodes:
        node["spec"]["taints"] = [dict(SYSTEM_TAINT)]
    nodes += [
        node_object(f"{region}-node-{i}", region, i, pool_labels(aks, "user"))
        for i in range(1, user_nodes + 1)
    ]
    return nodes


def _pod_template(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"labels": dict(labels)},
        "spec": {
            "priorityClassName": "system-cluster-critical",
            "nodeSelector": {MODE: "system"},
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
            "containers": [
                {
                    "name": name,
                    "image": ADDON_IMAGE.format(name=name),
                    "resources": {"requests": {"cpu": "100m", "memory": "70Mi"}},
                }
            ],
        },
    }


def addon_objects(aks: Aks) -> list[tuple[R.Resource, Obj]]:
    """kube-system's Deployments, their PDBs (minAvailable 1), and the kube-proxy DaemonSet."""
    out: list[tuple[R.Resource, Obj]] = []
    for name, labels, pdb in ADDONS:
        meta = {"name": name, "namespace": "kube-system", "labels": dict(labels)}
        deployment = {
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "metadata": meta,
            "spec": {
                "replicas": aks.addon_replicas,
                "selector": {"matchLabels": dict(labels)},
                "template": _pod_template(name, labels),
            },
        }
        out.append((R.DEPLOYMENTS, apply_defaults(R.DEPLOYMENTS, deployment)))
        budget = {
            "kind": "PodDisruptionBudget",
            "apiVersion": "policy/v1",
            "metadata": {"name": pdb, "namespace": "kube-system"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(labels)}},
        }
        out.append((R.PDBS, budget))
    proxy_labels = {"component": "kube-proxy", "tier": "node"}
    proxy_template = _pod_template("kube-proxy", proxy_labels)
    del proxy_template["spec"]["nodeSelector"]  # kube-proxy runs on every node
    proxy = {
        "kind": "DaemonSet",
        "apiVersion": "apps/v1",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": proxy_labels},
        "spec": {"selector": {"matchLabels": dict(proxy_labels)}, "template": proxy_template},
    }
    out.append((R.DAEMONSETS, apply_defaults(R.DAEMONSETS, proxy)))
    return out
