"""Keeping the fault in force from the first change until restore (each fault type's
``hold``), on a background thread.

Every poll interval: nodes that joined the drain's selection are journalled (a later snapshot
record, "joined during the drill"), cordoned and drained like the others; every item whose fault
is written is read back, and one that no longer holds (a controller scaled the workload back up,
someone re-enabled the endpoint or uncordoned the node) is journalled with who changed it, from
``metadata.managedFields`` (for an endpoint, ARM's ``systemData.lastModifiedBy``).
``fault.onRevert: abort`` then stops the drill ("fault did not hold", exit 4, restored);
``reassert`` writes the fault again and counts the revert (the RTO is then contested).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import structlog

from drillkit.engine.faults import ARM_ITEM_KINDS, FaultContext, FaultType, Watcher
from drillkit.engine.journal import Journal
from drillkit.engine.records import Held, Item, SnapshotTaken
from drillkit.errors import AdapterError, DrillAborted, JournalWriteError
from drillkit.spec.model import Drill

log = structlog.get_logger()


class FaultNotHeld(DrillAborted):
    """A controller or a person undid the fault, and ``onRevert`` is ``abort``."""


@dataclass
class Holder:
    """Checks (and, on reassert, re-applies) the fault every ``interval`` seconds."""

    drill: Drill
    fault: FaultType[Any]
    items: list[Item]
    ctx: FaultContext
    journal: Journal
    interval: float
    reverts: int = 0
    error: DrillAborted | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="drillkit-hold", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop checking (before restore: from then on the world goes back on purpose)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def raise_if_failed(self) -> None:
        """In the runner's thread: raise what the check found."""
        if self.error is not None:
            raise self.error

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except (DrillAborted, JournalWriteError) as e:
                # A newcomer's snapshot or intent the journal refused: its change was not
                # made, and the drill must not go on unjournalled; restore follows.
                self.error = e if isinstance(e, DrillAborted) else DrillAborted(str(e))
                self.ctx.cancelled.set()  # stop the injection's evictions: restore is next
                return
            except AdapterError as e:  # the next check tries again
                log.warning("drill.hold.check_failed", error=str(e))

    def check(self) -> None:
        """One pass: fault the newcomers, read back every changed item."""
        spec, world = self.drill.fault, self.ctx.world
        for item in self.fault.joined(spec, self.drill, self.items, world):
            self.journal.append(SnapshotTaken(items=(item,)))
            self.journal.append(
                Held(event="joined", what=item.what, region=item.region, value=item.value)
            )
            log.info("drill.hold.joined", what=item.what)
            self.items.append(item)
            self.fault.inject(spec, self.drill, [item], self.ctx)
        for item in list(self.items):
            if self._stop.is_set():
                return
            if item.what not in self.ctx.changed or self.fault.hold(item, world):
                continue
            self._reverted(item)
        if isinstance(self.fault, Watcher):  # a person's changes, seen as they come
            self.fault.watch(spec, self.drill, self.items, self.ctx)

    def _reverted(self, item: Item) -> None:
        spec, world = self.drill.fault, self.ctx.world
        value = self.fault.read(item, world)
        by = self.fault.reverted_by(item, world)
        reassert = getattr(spec, "on_revert", "abort") == "reassert"  # manual: never reverted
        self.journal.append(
            Held(
                event="reasserted" if reassert else "reverted",
                what=item.what,
                region=item.region,
                value=value,
                by=by,
            )
        )
        log.warning("drill.hold.reverted", what=item.what, value=value, by=by)
        if reassert:
            self.reverts += 1
            self.fault.inject(spec, self.drill, [item], self.ctx)
            return
        who = by or (
            "a writer that ARM's systemData does not name (the Azure activity log does)"
            if item.kind in ARM_ITEM_KINDS
            else "a writer that managedFields does not name"
        )
        fix = (
            "pause that controller or set fault.controllers: pause"
            if hasattr(spec, "controllers")
            else "keep it as the drill left it, or set fault.onRevert: reassert"
        )
        raise FaultNotHeld(
            f"fault did not hold: {item.what} went back to {_show(value)}, written by {who} "
            f"(fault.onRevert: abort; {fix})"
        )


def _show(value: object) -> str:
    if value is None:
        return "(gone)"
    return str(value).lower() if isinstance(value, bool) else str(value)
