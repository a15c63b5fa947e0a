"""The drain fault: cordon the target's nodes, then evict their pods concurrently, honouring
PodDisruptionBudgets; a pod blocked past evictionTimeout is deleted or aborts the drill."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import TypeVar

import structlog

from drillkit.adapters.ports import (
    AccessCheck,
    Eviction,
    EvictionResult,
    NodeState,
    PdbState,
    PodRef,
)
from drillkit.core.drainplan import DrainPolicy, PodFacts, plan_drain
from drillkit.core.faults import FaultText
from drillkit.core.faults import drain as text
from drillkit.engine.faults.base import (
    BlockPrediction,
    FaultContext,
    Preview,
    RequiredAccess,
    World,
)
from drillkit.engine.faults.controllers import field_writer
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import AdapterError, DrillAborted, PreflightRefused
from drillkit.spec.model import DrainFault, Drill

log = structlog.get_logger()
T = TypeVar("T")
R = TypeVar("R")
MAX_PARALLEL_EVICTIONS = 16
MAX_PARALLEL_NODES = 16
"""Nodes cordoned (or listed) at once: a region of 100 nodes is not cordoned one by one."""
BACKOFF_S = (0.1, 0.2, 0.5, 1.0)
NODE = "node"
LOST = "lost: no controller"
JOINED = "created during the drill, cordoned by drillkit"
"""Why a node that joined the selection mid-drill (the cluster autoscaler's) was cordoned."""


class Drain:
    """``type: drain``: items are nodes' ``spec.unschedulable`` (``Item.kind`` ``node``)."""

    item_kinds = frozenset({NODE})
    concurrent_undo = True
    """Each node's uncordon is independent of the others: restore puts them back in parallel."""

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
        cluster = world.clusters[target]
        nodes = cluster.list_nodes(dict(fault.node_selector))
        if not nodes:
            raise PreflightRefused(
                f"no node in region {target} matches nodeSelector {dict(fault.node_selector)}; "
                "nothing was changed"
            )
        listed = each(threading.Event(), cluster.pods_on_node, [n.name for n in nodes])
        pods = [pod for on_node in listed for pod in on_node]
        plan = plan_drain([facts(p, world.own_pod) for p in pods], policy(fault))
        if plan.refused:
            raise PreflightRefused(plan.refusal())
        return [_node_item(target, node) for node in nodes]

    def inject(
        self, fault: DrainFault, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        cluster = ctx.world.clusters[drill.target]

        def cordon(item: Item) -> None:  # marker, intent, then the change: per node, in order
            name = item.ref["name"]
            why = JOINED if item.ref.get("joined") else None
            ctx.change(item, "cordon", True, partial(cluster.set_unschedulable, name, True), why)

        # Every node is cordoned before the first eviction, so no pod moves to a node that the
        # drain empties next.
        each(ctx.cancelled, cordon, list(items))
        drain_pods(ctx, drill.target, [item.ref["name"] for item in items], fault)

    def read(self, item: Item, world: World) -> JsonScalar:
        node = world.clusters[item.region].get_node(item.ref["name"])
        return None if node is None else node.unschedulable

    def hold(self, item: Item, world: World) -> bool:
        return self.read(item, world) is not False  # a node that went away no longer serves

    def joined(
        self, fault: DrainFault, drill: Drill, items: Sequence[Item], world: World
    ) -> list[Item]:
        """Nodes that match the selection now and were not there when the drill began."""
        known = {item.ref["name"] for item in items if item.kind == NODE}
        nodes = world.clusters[drill.target].list_nodes(dict(fault.node_selector))
        return [
            _node_item(drill.target, node, joined=True) for node in nodes if node.name not in known
        ]

    def reverted_by(self, item: Item, world: World) -> str | None:
        writer = field_writer(
            world.clusters[item.region],
            f"/api/v1/nodes/{item.ref['name']}",
            "spec",
            "unschedulable",
        )
        return writer.describe() if writer is not None else None

    def undo(self, item: Item, world: World) -> None:
        world.clusters[item.region].set_unschedulable(item.ref["name"], bool(item.value))


FAULT = Drain()


def _node_item(region: str, node: NodeState, *, joined: bool = False) -> Item:
    ref = {"name": node.name, "joined": "during the drill"} if joined else {"name": node.name}
    return Item(
        f"{region}/node/{node.name} spec.unschedulable", NODE, region, ref, node.unschedulable
    )


def policy(fault: DrainFault) -> DrainPolicy:
    return DrainPolicy(
        namespaces=fault.namespaces,
        exclude_namespaces=tuple(fault.exclude_namespaces),
        force=fault.force,
        delete_empty_dir_data=fault.delete_empty_dir_data,
    )


def facts(pod: PodRef, own_pod: str | None) -> PodFacts:
    return PodFacts(
        pod.namespace,
        pod.name,
        pod.node,
        pod.owner_kind or None,
        mirror=pod.mirror,
        finished=pod.finished,
        empty_dir=pod.empty_dir,
        own=pod.key == own_pod,
    )


def drain_pods(ctx: FaultContext, region: str, nodes: list[str], fault: DrainFault) -> None:
    """Evict, concurrently, every pod on ``nodes`` the drain plan evicts (never DaemonSet or
    mirror pods, nor the excluded namespaces; refused pods stay and are logged)."""
    cluster = ctx.world.clusters[region]
    listed = each(ctx.cancelled, cluster.pods_on_node, nodes)
    if ctx.cancelled.is_set():
        return
    found = {p.key: p for on_node in listed for p in on_node}
    plan = plan_drain([facts(p, ctx.world.own_pod) for p in found.values()], policy(fault))
    for pod, why in plan.refused:  # a node that joined mid-drill may bring them
        log.warning("drill.inject.pod_refused", pod=pod.key, node=pod.node, why=why)
    lost = {p.key for p in plan.lost}
    pods = [found[p.key] for p in plan.evict]
    if not pods:
        return
    errors: list[BaseException] = []
    with ThreadPoolExecutor(min(MAX_PARALLEL_EVICTIONS, len(pods))) as pool:
        futures = [
            pool.submit(_evict_one, ctx, region, pod, fault, pod.key in lost) for pod in pods
        ]
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


def each(cancelled: threading.Event, fn: Callable[[T], R], args: Sequence[T]) -> list[R]:
    """``fn`` over ``args`` on up to ``MAX_PARALLEL_NODES`` threads; the results of the calls
    made, in ``args`` order. Once one call fails, or ``cancelled`` is set, the calls not yet
    started are skipped; the first error is raised after the started ones have ended."""
    if len(args) <= 1:
        return [fn(arg) for arg in args if not cancelled.is_set()]
    failed = threading.Event()
    skipped = object()

    def one(arg: T) -> R | object:
        if failed.is_set() or cancelled.is_set():
            return skipped
        try:
            return fn(arg)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(min(MAX_PARALLEL_NODES, len(args))) as pool:
        futures = [pool.submit(one, arg) for arg in args]
        try:
            errors = [e for e in (f.exception() for f in futures) if e is not None]
        except BaseException:
            failed.set()  # a signal: the calls not started are skipped
            cancelled.set()
            raise
    if errors:
        raise errors[0]
    return [r for r in (f.result() for f in futures) if r is not skipped]  # type: ignore[misc]


def _evict_one(
    ctx: FaultContext, region: str, pod: PodRef, fault: DrainFault, lost: bool = False
) -> None:
    cluster = ctx.world.clusters[region]
    grace = int(fault.grace_period) if fault.grace_period is not None else None
    deadline = ctx.clock.monotonic() + float(fault.eviction_timeout)

    def until_evicted() -> EvictionResult:
        attempt, since, pdb = 0, None, ""  # since: the first blocked answer; pdb: the last one
        while True:
            result = cluster.evict(pod, grace)
            now = ctx.clock.monotonic()
            remaining = deadline - now
            if result.outcome is Eviction.BLOCKED:
                since, pdb = now if since is None else since, result.pdb or pdb
            if since is not None:  # the final answer keeps who blocked the pod, and how long
                result = replace(result, pdb=result.pdb or pdb, blocked_s=round(now - since, 3))
            if result.outcome is not Eviction.BLOCKED:
                return result
            if remaining <= 0 or ctx.cancelled.is_set():
                return result
            pause = result.retry_after or BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            ctx.clock.sleep(min(pause, remaining))
            attempt += 1

    reason = LOST if lost else None
    result = ctx.mutator.do(
        "evict", until_evicted, region=region, pod=pod.key, node=pod.node, reason=reason
    )
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
        reason=f"eviction blocked for {fault.eviction_timeout} (onBlocked: delete)"
        + (f" by PodDisruptionBudget {result.pdb}" if result.pdb else "")
        + (f"; {LOST}" if lost else ""),
    )


def predict_blocks(
    fault: DrainFault, drained: list[NodeState], all_nodes: list[NodeState],
    pods: list[PodRef], pdbs: list[PdbState],
) -> tuple[tuple[BlockPrediction, ...], tuple[str, ...]]:  # fmt: skip
    """Which budgets block: with no schedulable node left, a budget allows only what it allows
    now; every further eviction stays blocked (DESIGN.md: draining a whole region deadlocks)."""
    drained_names = {n.name for n in drained}
    elsewhere = [n for n in all_nodes if n.name not in drained_names and not n.unschedulable]
    evicting = {f.key for f in plan_drain([facts(p, None) for p in pods], policy(fault)).evict}
    evicted = [p for p in pods if p.key in evicting]
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
