"""The fault registry: one module per fault type, each one object satisfying ``FaultType``.

``fault_type(fault)`` picks the module for a drill's fault (a closed set: ``match`` with
``assert_never``, so a spec model without a module fails type-checking); ``owner_of(item)``
finds the module that reads, holds and undoes a journalled item, by its ``Item.kind``.
"""

from __future__ import annotations

from typing import Any, assert_never

from drillkit.engine.faults import disable_endpoint, drain, manual, scale_down, silence
from drillkit.engine.faults.base import (
    BlockPrediction,
    FaultContext,
    FaultType,
    ItemOwner,
    Preview,
    RequiredAccess,
    Watcher,
    World,
    world_of,
)
from drillkit.engine.records import Item
from drillkit.spec.model import (
    DisableEndpointFault,
    DrainFault,
    Fault,
    ManualFault,
    ScaleDownFault,
)

__all__ = [
    "ARM_ITEM_KINDS",
    "FAULT_TYPES",
    "BlockPrediction",
    "FaultContext",
    "FaultType",
    "ItemOwner",
    "Preview",
    "RequiredAccess",
    "Watcher",
    "World",
    "fault_type",
    "owner_of",
    "world_of",
]

FAULT_TYPES: tuple[FaultType[Any], ...] = (
    drain.FAULT,
    scale_down.FAULT,
    disable_endpoint.FAULT,
    manual.FAULT,
)
ITEM_OWNERS: tuple[ItemOwner, ...] = (*FAULT_TYPES, silence.OWNER)
"""Whatever a run journals as an item: the faults' items, and the guard rails' silence."""
_BY_ITEM_KIND = {kind: f for f in ITEM_OWNERS for kind in f.item_kinds}
ARM_ITEM_KINDS = frozenset({disable_endpoint.ENDPOINT, manual.ENDPOINT, manual.PROFILE})
"""Item kinds that live in Traffic Manager: a restore of them must connect ARM."""


def fault_type(fault: Fault) -> FaultType[Any]:
    """The module that implements the drill's fault."""
    match fault:
        case DrainFault():
            return drain.FAULT
        case ScaleDownFault():
            return scale_down.FAULT
        case DisableEndpointFault():
            return disable_endpoint.FAULT
        case ManualFault():
            return manual.FAULT
        case _:
            assert_never(fault)


def owner_of(item: Item) -> ItemOwner:
    """The module that reads, holds and undoes ``item``."""
    owner = _BY_ITEM_KIND.get(item.kind)
    if owner is None:
        raise ValueError(f"{item.what}: no fault type handles items of kind {item.kind!r}")
    return owner
