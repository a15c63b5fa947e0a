"""The disable-endpoint fault in words."""

from __future__ import annotations

from drillkit.core.faults.text import FaultText
from drillkit.spec.model import DisableEndpointFault, Drill


def describe(fault: DisableEndpointFault, drill: Drill) -> FaultText:
    """Disable the target region's Traffic Manager endpoints."""
    region = drill.regions[drill.target]
    names = ", ".join(fault.endpoints) or f"every endpoint whose target is {region.ingress}"
    chosen = ", ".join(fault.endpoints) or "every endpoint of the target region"
    return FaultText(
        headline=f"disable-endpoint {chosen}",
        inject_summary=f"Disable the Traffic Manager endpoints of {drill.target}.",
        inject=(f"profile {drill.traffic_manager.profile} (and nested children): {names}",),
        snapshot=("endpointStatus of the target's Traffic Manager endpoints",),
    )
