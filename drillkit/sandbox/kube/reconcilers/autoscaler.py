"""The cluster autoscaler: a pod Pending too long makes a new node join the pool.

AKS (learn.microsoft.com/azure/aks/cluster-autoscaler-overview): "The cluster autoscaler
component watches for pods in your cluster that can't be scheduled because of resource
constraints. When the cluster autoscaler detects unscheduled pods, it scales up the number of
nodes in the node pool to meet the application demand." Cordoned nodes leave pods unschedulable
too, and a node from the pool's template is not cordoned: this is how a drain stops holding.
The new node copies the pool's labels (the kubelet registers it, so it is the ``kubelet``'s),
and stays NotReady, tainted ``node.kubernetes.io/not-ready:NoSchedule``, for ``nodeReadyDelay``
(an AKS node takes minutes to boot): nothing is scheduled on it before then.
"""

from __future__ import annotations

from drillkit.sandbox.hostile import ClusterAutoscaler as Settings
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.aks import MODE
from drillkit.sandbox.kube.managed import writing
from drillkit.sandbox.kube.objects import fits, labels, node_object, terminating
from drillkit.sandbox.kube.store import Obj, Store
from drillkit.sandbox.world import World

PER_NODE = ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
# Until its kubelet reports Ready, the node lifecycle controller keeps this taint on a node
# (kubernetes.io/docs/reference/labels-annotations-taints/#node-kubernetes-io-not-ready).
NOT_READY = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
SCALE_UP_ANNOTATION = "cluster-autoscaler.kubernetes.io/scale-up"  # the twin's marker


class ClusterAutoscaler:
    """Adds at most one node per ``delay`` while a pod that would fit a new node stays Pending."""

    def __init__(self, world: World, region: str, settings: Settings) -> None:
        self.settings = settings
        self.region = region
        self.aks = world.aks
        self.interval = 0.05
        self.added = 0
        self._pending_since: dict[str, float] = {}
        self._starting: dict[str, float] = {}  # node -> when it registered, not Ready yet

    def seed(self, store: Store) -> None:
        """Nothing to create: the autoscaler acts on the nodes and pods already there."""

    def _pool_nodes(self, store: Store) -> list[Obj]:
        nodes = list(store.items(R.NODES.key))
        if not self.aks.enabled:
            return nodes
        return [n for n in nodes if labels(n).get(MODE) == self.settings.pool]

    def _template(self, store: Store) -> Obj | None:
        pool = self._pool_nodes(store)
        if not pool:
            return None
        prefix = (
            f"{self.region}-node-" if self.settings.pool == "user" else f"{self.region}-system-"
        )
        taken = {n["metadata"]["name"] for n in store.items(R.NODES.key)}
        index = next(i for i in range(1, 10_000) if f"{prefix}{i}" not in taken)
        copied = {k: v for k, v in labels(pool[0]).items() if k not in PER_NODE}
        offset = 0 if self.settings.pool == "user" else 100
        node = node_object(f"{prefix}{index}", self.region, offset + index, copied)
        taints = (pool[0].get("spec") or {}).get("taints")
        if taints:
            node["spec"]["taints"] = [dict(t) for t in taints]
        node["metadata"]["annotations"] = {SCALE_UP_ANNOTATION: "true"}
        return node

    @staticmethod
    def _booting(node: Obj) -> Obj:
        """The node as it registers: NotReady, tainted not-ready until its kubelet is up."""
        node["spec"]["taints"] = [*node["spec"].get("taints", []), dict(NOT_READY)]
        node["status"]["conditions"] = [
            {**c, "status": "False", "reason": "KubeletNotReady", "message": "node is starting"}
            if c["type"] == "Ready"
            else c
            for c in node["status"]["conditions"]
        ]
        return node

    def _register(self, store: Store, now: float) -> None:
        """Nodes whose kubelet became Ready: drop the not-ready taint, report Ready."""
        for name, since in list(self._starting.items()):
            if now - since < float(self.settings.node_ready_delay):
                continue
            del self._starting[name]
            node = store.get(R.NODES.key, "", name)
            if node is None:
                continue
            new = dict(node)
            new["spec"] = {
                **node["spec"],
                "taints": [t for t in node["spec"].get("taints", []) if t != NOT_READY],
            }
            new["status"] = {
                **node["status"],
                "conditions": [
                    {
                        **c,
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                    }
                    if c["type"] == "Ready"
                    else c
                    for c in node["status"]["conditions"]
                ],
            }
            with writing("kubelet"):
                store.replace(R.NODES.key, new)

    def tick(self, store: Store, now: float) -> None:
        self._register(store, now)
        pending = {
            p["metadata"]["uid"]: p
            for p in store.items(R.PODS.key)
            if not (p.get("spec") or {}).get("nodeName") and not terminating(p)
        }
        self._pending_since = {uid: self._pending_since.get(uid, now) for uid in pending}
        if self.added >= self.settings.max_nodes:
            return
        template = self._template(store)
        if template is None:
            return
        waited = [
            uid
            for uid, since in self._pending_since.items()
            if now - since >= float(self.settings.delay) and fits(pending[uid], template) is None
        ]
        if not waited:
            return
        with writing("kubelet"):
            store.create(R.NODES.key, self._booting(template))
        self._starting[template["metadata"]["name"]] = now
        self.added += 1
        self._pending_since = {}
