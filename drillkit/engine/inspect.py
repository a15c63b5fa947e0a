"""What the engine can learn without changing anything, for ``drillkit plan``: which Traffic
Manager endpoints belong to which region, and which PodDisruptionBudgets will block the drain."""

from __future__ import annotations

from dataclasses import dataclass, field

from drillkit.adapters.bundle import Connections
from drillkit.adapters.ports import NodeState, PdbState, PodRef
from drillkit.engine.fault import SKIPPED_OWNERS
from drillkit.engine.snapshot import endpoints_by_region
from drillkit.errors import AdapterError
from drillkit.spec.model import DrainFault, Drill


@dataclass(frozen=True, slots=True)
class BlockPrediction:
    """One PodDisruptionBudget over pods the drain evicts, and what will happen to them."""

    pdb: str
    pods: tuple[str, ...]
    allowed: int
    """Evictions the budget allows now."""
    blocked: tuple[str, ...]
    """Pods whose eviction will stay blocked (their replacements cannot schedule)."""
    then: str
    """What onBlocked does after evictionTimeout, in words."""


@dataclass(frozen=True, slots=True)
class Inspection:
    """The read-only facts ``plan`` shows."""

    endpoints: dict[str, tuple[str, ...]]
    """Region -> endpoint keys (``profile/type/name``) whose target is the region's ingress."""
    blocks: tuple[BlockPrediction, ...] = ()
    notes: tuple[str, ...] = field(default=())


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


def inspect(drill: Drill, conns: Connections) -> Inspection:
    """Read (never write) the endpoints per region and, for a drain, the blocking budgets."""
    ingresses = {name: r.ingress for name, r in drill.regions.items()}
    found = endpoints_by_region(conns.traffic_manager.endpoints(), ingresses)
    endpoints = {region: tuple(e.key for e in items) for region, items in found.items()}
    if not isinstance(drill.fault, DrainFault):
        return Inspection(endpoints)
    cluster = conns.clusters[drill.target]
    drained = cluster.list_nodes(dict(drill.fault.node_selector))
    all_nodes = cluster.list_nodes({})
    pods = [p for n in drained for p in cluster.pods_on_node(n.name)]
    list_pdbs = getattr(cluster, "list_pdbs", None)  # not every Cluster can list budgets
    unread: tuple[str, ...] = ()
    try:
        pdbs: list[PdbState] = list_pdbs() if callable(list_pdbs) else []
    except AdapterError as e:  # e.g. a 1.20 cluster serves budgets only as policy/v1beta1
        pdbs, unread = [], (f"could not read PodDisruptionBudgets, so none are predicted: {e}",)
    blocks, notes = predict_blocks(drill.fault, drained, all_nodes, pods, pdbs)
    return Inspection(endpoints, blocks, notes + unread)
