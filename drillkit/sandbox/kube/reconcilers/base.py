"""What every reconciler shares: the Protocol the loop drives, and small store helpers."""

from __future__ import annotations

from typing import Protocol

from drillkit.sandbox.hostile import Target
from drillkit.sandbox.kube import managed
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.objects import replicas
from drillkit.sandbox.kube.store import Obj, Store, clone, now_iso
from drillkit.sandbox.world import World

KINDS = {"Deployment": R.DEPLOYMENTS, "StatefulSet": R.STATEFULSETS}


class Reconciler(Protocol):
    """One controller of a hostile world; ``tick`` runs every ``interval`` seconds."""

    interval: float

    def seed(self, store: Store) -> None:
        """Create the reconciler's own objects (custom resources, labels on its workloads)."""
        ...

    def tick(self, store: Store, now: float) -> None:
        """One reconcile pass; ``now`` is the loop's monotonic clock."""
        ...


def workload(store: Store, target: Target) -> Obj | None:
    return store.get(KINDS[target.kind].key, target.namespace, target.name)


def declared_replicas(world: World, target: Target) -> int:
    """The replicas the world declares for a workload (what "git" says)."""
    for namespace in world.namespaces:
        for item in namespace.workloads:
            if (namespace.name, item.kind, item.name) == (
                target.namespace,
                target.kind,
                target.name,
            ):
                return item.replicas
    return 1


def set_replicas(store: Store, target: Target, count: int) -> bool:
    """Write spec.replicas (under the caller's ``managed.writing``); False when already there."""
    obj = workload(store, target)
    if obj is None or replicas(obj) == count:
        return False
    new = dict(obj)
    new["spec"] = {**(obj.get("spec") or {}), "replicas": count}
    store.replace(KINDS[target.kind].key, new, generation=True)
    return True


def adopt(
    store: Store, target: Target, manager: str, *, operation: str = "Update", **meta: dict[str, str]
) -> None:
    """Mark a seeded workload as ``manager``'s: add ``labels``/``annotations`` and record every
    field as written by it, as if it had created the object (GitOps tools create them)."""
    obj = workload(store, target)
    if obj is None:
        return
    new = clone(obj)
    for field, values in meta.items():
        new["metadata"][field] = {**(new["metadata"].get(field) or {}), **values}
    res = KINDS[target.kind]
    writer = managed.Writer(manager, "", operation)
    new["metadata"]["managedFields"] = [
        *[e for e in new["metadata"].get("managedFields") or [] if e.get("subresource")],
        *managed.track(None, new, writer, has_status=True, now=now_iso()),
    ]
    store.replace(res.key, new, generation=True)


def ensure_namespace(store: Store, name: str) -> None:
    if store.get(R.NAMESPACES.key, "", name) is None:
        store.create(
            R.NAMESPACES.key,
            {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            },
        )
