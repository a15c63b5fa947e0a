"""What the engine can learn without changing anything, for ``drillkit plan --inspect``: which
Traffic Manager endpoints belong to which region, and what the fault predicts (for a drain, the
PodDisruptionBudgets that will block it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from drillkit.adapters.bundle import Connections
from drillkit.engine.faults import BlockPrediction, World, fault_type
from drillkit.engine.faults.disable_endpoint import endpoints_by_region
from drillkit.engine.faults.drain import predict_blocks
from drillkit.spec.model import Drill

__all__ = ["BlockPrediction", "Inspection", "inspect", "predict_blocks"]


@dataclass(frozen=True, slots=True)
class Inspection:
    """The read-only facts ``plan`` shows."""

    endpoints: dict[str, tuple[str, ...]]
    """Region -> endpoint keys (``profile/type/name``) whose target is the region's ingress."""
    blocks: tuple[BlockPrediction, ...] = ()
    notes: tuple[str, ...] = field(default=())


def inspect(drill: Drill, conns: Connections) -> Inspection:
    """Read (never write) the endpoints per region and the fault's own preview."""
    ingresses = {name: r.ingress for name, r in drill.regions.items()}
    found = endpoints_by_region(conns.traffic_manager.endpoints(), ingresses)
    endpoints = {region: tuple(e.key for e in items) for region, items in found.items()}
    world = World(conns.clusters, conns.traffic_manager)
    preview = fault_type(drill.fault).preview(drill.fault, drill, world)
    return Inspection(endpoints, preview.blocks, preview.notes)
