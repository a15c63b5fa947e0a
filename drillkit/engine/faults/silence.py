"""Not a fault: the Alertmanager silence a drill holds from inject to restore, as a created item.

Its value is ``active`` while a silence created by the run exists, None otherwise, so restore
treats it like any created item: expire it, and count it restored once none is left. A run
killed before restore leaves a silence that still ends by itself (its ``endsAt``).
"""

from __future__ import annotations

from drillkit.adapters.guard_ports import Alerts
from drillkit.engine.faults.base import World
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import PermanentAdapterError

KIND = "silence"
ACTIVE = "active"


def silence_item(url: str, run_id: str) -> Item:
    """The journal item of a run's silence at ``url``."""
    return Item(
        what="alertmanager/silence",
        kind=KIND,
        region="",
        ref={"url": url, "createdBy": created_by(run_id)},
        value=None,
        created=True,
    )


def created_by(run_id: str) -> str:
    """The ``createdBy`` of the run's silence: how restore finds it without its id."""
    return f"drillkit run {run_id}"


class SilenceOwner:
    """Reads and undoes (expires) silence items."""

    item_kinds = frozenset({KIND})

    def _alerts(self, item: Item, world: World) -> Alerts:
        if world.alerts is None:
            raise PermanentAdapterError(
                f"{item.what}: no Alertmanager client to expire the silence at {item.ref['url']} "
                "with; it ends by itself at its endsAt"
            )
        return world.alerts(item.ref["url"])

    def read(self, item: Item, world: World) -> JsonScalar:
        ids = self._alerts(item, world).silences_by(item.ref["createdBy"])
        return ACTIVE if ids else None

    def hold(self, item: Item, world: World) -> bool:
        return self.read(item, world) == ACTIVE

    def undo(self, item: Item, world: World) -> None:
        alerts = self._alerts(item, world)
        for silence_id in alerts.silences_by(item.ref["createdBy"]):
            alerts.expire(silence_id)


OWNER = SilenceOwner()
