"""The drain fault: cordon the target's nodes, then evict their pods concurrently, honouring
PodDisruptionBudgets; a pod blocked past evictionTimeout is deleted or aborts the drill."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import structlog

from drillkit.adapters.ports import (
    AccessCheck,
    Eviction,
    EvictionResult,
    NodeState,
    PdbState,
    PodRef,
)
from drillkit.core.faults import FaultText
from drillkit.core.faults import drain as text
from drillkit.engine.faults.base import (
    BlockPrediction,
    FaultContext,
    Preview,
    RequiredAccess,
    World,
)
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import AdapterError, DrillAborted, PreflightRefused
from drillkit.spec.model import DrainFault, Drill

log = structlog.get_logger()
SKIPPED_OWNERS = {"DaemonSet"}
MAX_PARALLEL_EVICTIONS = 16
BACKOFF_S = (0.1, 0.2, 0.5, 1.0)
NODE = "node"


class Drain:
    """``type: drain``: items are nodes' ``spec.unschedulable`` (``Item.kind`` ``node``)."""

    item_kinds = frozenset({NODE})

    def describe(self, fault: DrainFault, drill: Drill) -> FaultText:
        return text.describe(fault, drill)

    def required_access(self, fault: DrainFault, drill: Drill) -> RequiredAccess:
        checks = [
            AccessCheck("list", "nodes"),
            AccessCheck("get", "nodes"),
            AccessCheck("patch", "nodes"),
            AccessCheck("list", "pods"),
            AccessCheck("create", "pods", subresource="eviction"),
        ]
        if fault.on_blocked == "delete":
            checks.append(AccessCheck("delete", "pods"))
        return RequiredAccess(kube=tuple(checks))

    def preview(self, fault: DrainFault, drill: Drill, world: World) -> Preview:
        """Which budgets will block the drain (read-only)."""
        cluster = world.clusters[drill.target]
        drained = cluster.list_nodes(dict(fault.node_selector))
        all_nodes = cluster.list_nodes({})
        pods = [p for n in drained for p in cluster.pods_on_node(n.name)]
        unread: tuple[str, ...] = ()
        try:
            pdbs = cluster.list_pdbs()
        except AdapterError as e:  # e.g. a 1.20 cluster serves budgets only as policy/v1beta1
            pdbs, unread = [], (f"could not read PodDisruptionBudgets, so none are predicted: {e}",)
        blocks, notes = predict_blocks(fault, drained, all_nodes, pods, pdbs)
        return Preview(blocks, notes + unread)

    def snapshot(self, fault: DrainFault, drill: Drill, world: World) -> list[Item]:
        target = drill.target
        nodes = world.clusters[target].list_nodes(dict(fault.node_selector))
        if not nodes:
            raise PreflightRefused(
                f"no node in region {target} matches nodeSelector {dict(fault.node_selector)}; "
                "nothing was changed"
            )
        return [
            Item(
                f"{target}/node/{node.name} spec.unschedulable",
                NODE,
                target,
                {"name": node.name},
                node.unschedulable,
            )
            for node in nodes
        ]

    def inject(
        self, fault: DrainFault, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        cluster = ctx.world.clusters[drill.target]
        for item in items:
            name = item.ref["name"]
            ctx.change(item, "cordon", True, partial(cluster.set_unschedulable, name, True))
        drain_pods(ctx, drill.target, [item.ref["name"] for item in items], fault)

    def read(self, item: Item, world: World) -> JsonScalar:
        node = world.clusters[item.region].get_node(item.ref["name"])
        return None if node is None else node.unschedulable

    def hold(self, item: Item, world: World) -> bool:
        return self.read(item, world) is True

    def undo(self, item: Item, world: World) -> None:
        world.clusters[item.region].set_unschedulable(item.ref["name"], bool(item.value))


FAULT = Drain()


def drain_pods(ctx: FaultContext, region: str, nodes: list[str], fault: DrainFault) -> None:
    """Evict every pod on ``nodes`` but DaemonSet and mirror pods, concurrently."""
    cluster = ctx.world.clusters[region]
    pods = [
        pod
        for node in nodes
        for pod in cluster.pods_on_node(node)
        if pod.owner_kind not in SKIPPED_OWNERS and not pod.mirror and not pod.finished
    ]
    if not pods:
        return
    errors: list[BaseException] = []
    with ThreadPoolExecutor(min(MAX_PARALLEL_EVICTIONS, len(pods))) as pool:
        futures = [pool.submit(_evict_one, ctx, region, pod, fault) for pod in pods]
        try:
            for future in futures:
                error = future.exception()
                if error is not None:
                    errors.append(error)
                    ctx.cancelled.set()  # stop the other evictions: restore is next
        except BaseException:
            ctx.cancelled.set()  # a signal: the workers stop at their next attempt
            raise
    if errors:
        raise errors[0]


def _evict_one(ctx: FaultContext, region: str, pod: PodRef, fault: DrainFault) -> None:
    cluster = ctx.world.clusters[region]
    grace = int(fault.grace_period) if fault.grace_period is not None else None
    deadline = ctx.clock.monotonic() + float(fault.eviction_timeout)

    def until_evicted() -> EvictionResult:
        attempt = 0
        while True:
            result = cluster.evict(pod, grace)
            remaining = deadline - ctx.clock.monotonic()
            if result.outcome is not Eviction.BLOCKED:
                return result
            if remaining <= 0 or ctx.cancelled.is_set():
                return result
            pause = result.retry_after or BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            ctx.clock.sleep(min(pause, remaining))
            attempt += 1

    result = ctx.mutator.do("evict", until_evicted, region=region, pod=pod.key, node=pod.node)
    if result.outcome is not Eviction.BLOCKED or ctx.cancelled.is_set():
        return
    if fault.on_blocked == "abort":
        raise DrillAborted(
            f"evicting {pod.key} stayed blocked by a PodDisruptionBudget for "
            f"{fault.eviction_timeout} and onBlocked is abort; the world is being restored"
        )
    log.info("drill.inject.delete_blocked_pod", pod=pod.key, region=region)
    ctx.mutator.do(
        "delete-pod",
        partial(cluster.delete_pod, pod, grace),
        region=region,
        pod=pod.key,
        node=pod.node,
        reason=f"eviction blocked for {fault.eviction_timeout} (onBlocked: delete)",
    )


def predict_blocks(
    fault: DrainFault, drained: list[NodeState], all_nodes: list[NodeState],
    pods: list[PodRef], pdbs: list[PdbState],
) -> tuple[tuple[BlockPrediction, ...], tuple[str, ...]]:  # fmt: skip
    """Which budgets block: with no schedulable node left, a budget allows only what it allows
    now; every further eviction stays blocked (DESIGN.md: draining a whole region deadlocks)."""
    drained_names = {n.name for n in drained}
    elsewhere = [n for n in all_nodes if n.name not in drained_names and not n.unschedulable]
    evicted = [p for p in pods if p.owner_kind not in SKIPPED_OWNERS and not p.mirror]
    if elsewhere:
        note = (
            f"{len(elsewhere)} node(s) stay schedulable, so replacements can start and budgets "
            "free up: evictions may wait but should not stay blocked"
        )
        return (), (note,)
    then = (
        f"deleted after {fault.eviction_timeout} (onBlocked: delete)"
        if fault.on_blocked == "delete"
        else f"the drill aborts and restores after {fault.eviction_timeout} (onBlocked: abort)"
    )
    blocks = []
    for pdb in pdbs:
        covered = sorted(p.key for p in evicted if pdb.covers(p))
        if len(covered) > pdb.disruptions_allowed:
            blocks.append(
                BlockPrediction(
                    pdb=f"{pdb.namespace}/{pdb.name}",
                    pods=tuple(covered),
                    allowed=pdb.disruptions_allowed,
                    blocked=tuple(covered[pdb.disruptions_allowed :]),
                    then=then,
                )
            )
    return tuple(blocks), ()
