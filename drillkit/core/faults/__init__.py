"""What each fault type says about itself in plans and reports: pure text, one module per fault.

``describe(drill)`` is the one place that picks the text by fault type; the engine's fault
registry (``drillkit/engine/faults/``) points each fault module's ``describe`` here.
"""

from __future__ import annotations

from typing import assert_never

from drillkit.core.faults import disable_endpoint, drain, manual, scale_down
from drillkit.core.faults.text import FaultText, selector_text
from drillkit.spec.model import (
    DisableEndpointFault,
    DrainFault,
    Drill,
    ManualFault,
    ScaleDownFault,
)

__all__ = ["FaultText", "describe", "selector_text"]


def describe(drill: Drill) -> FaultText:
    """The plan and report text of the drill's fault."""
    fault = drill.fault
    match fault:
        case DrainFault():
            return drain.describe(fault, drill)
        case ScaleDownFault():
            return scale_down.describe(fault, drill)
        case DisableEndpointFault():
            return disable_endpoint.describe(fault, drill)
        case ManualFault():
            return manual.describe(fault, drill)
        case _:
            assert_never(fault)
