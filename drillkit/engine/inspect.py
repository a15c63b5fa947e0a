"""What the engine can learn without changing anything, for ``drillkit plan --inspect``: which
Traffic Manager endpoints belong to which region, and what the fault predicts (for a drain, the
PodDisruptionBudgets that will block it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from drillkit.adapters.bundle import Connections
from drillkit.core.design import (
    PROBE_JITTER,
    PROPAGATION_S,
    Prediction,
    design_refusals,
    predict,
    render_tree,
    target_monitor,
)
from drillkit.core.sampling import design_detection_profiles, tree_profiles
from drillkit.engine.faults import BlockPrediction, fault_type, world_of
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
    design: tuple[str, ...] = ()
    """The profile tree as text: routing, monitor settings, TTL, statuses, each leaf's region."""
    refusals: tuple[str, ...] = ()
    """Why preflight would refuse this design (empty when it can fail over)."""
    prediction: Prediction | None = None
    """The windows Microsoft's probing rules predict for this design."""
    profiles: int = 1
    """The profiles of the tree: the ARM GETs of each monitor-status read."""
    watched: int | None = None
    """The profiles holding the target's endpoints: the GETs of a read while detection is
    expected."""


def inspect(drill: Drill, conns: Connections) -> Inspection:
    """Read (never write) the endpoints per region and the fault's own preview."""
    ingresses = {name: r.targets for name, r in drill.regions.items()}
    found = endpoints_by_region(conns.traffic_manager.endpoints(), ingresses)
    endpoints = {region: tuple(e.key for e in items) for region, items in found.items()}
    world = world_of(conns)
    preview = fault_type(drill.fault).preview(drill.fault, drill, world)
    design = conns.traffic_manager.design()
    monitor, ttl = target_monitor(design, drill.target, ingresses)
    return Inspection(
        endpoints,
        preview.blocks,
        preview.notes,
        design=tuple(render_tree(design, ingresses)),
        refusals=tuple(design_refusals(design, drill.target, drill.survivors, ingresses)),
        prediction=predict(
            monitor, ttl, fault=drill.fault.type, propagation_s=PROPAGATION_S, jitter=PROBE_JITTER
        ),
        profiles=tree_profiles(design),
        watched=len(design_detection_profiles(design, drill.target, ingresses)) or None,
    )
