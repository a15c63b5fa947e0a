"""The Traffic Manager twin: ARM API, real health prober, authoritative DNS, region ingress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drillkit.sandbox.tm.component import TrafficManagerComponent
    from drillkit.sandbox.world import World


def sandbox_components(world: World) -> Sequence[TrafficManagerComponent]:
    """The runtime's component hook: the whole Traffic Manager twin as one component."""
    from drillkit.sandbox.tm.component import TrafficManagerComponent

    return [TrafficManagerComponent(world)]
