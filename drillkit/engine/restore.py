"""Restore, driven by the journal alone: put back every snapshot item the drill changed.

Idempotent (an item already back is only checked) and careful: a value that is neither the
snapshot's nor the one the drill wrote was changed by someone else (drift) and is left alone
unless ``force``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.faults import World, owner_of
from drillkit.engine.journal import Journal
from drillkit.engine.markers import MarkerWriter
from drillkit.engine.records import (
    Intent,
    Item,
    JsonScalar,
    Record,
    RestoreChecked,
    RestoreIntent,
    RestoreResult,
    SnapshotTaken,
)
from drillkit.errors import AdapterError

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class Change:
    """A snapshot item and the value the drill wrote to it."""

    item: Item
    written: JsonScalar


def changes_from(records: list[Record]) -> list[Change]:
    """Items with a journalled intent, most recent first (a crash may have hidden the result).

    Items come from every snapshot record (a later one may add items taken during the drill).
    """
    items = {i.what: i for r in records if isinstance(r, SnapshotTaken) for i in r.items}
    seen: set[str] = set()
    result: list[Change] = []
    for record in reversed(records):
        if not isinstance(record, Intent) or record.item is None:
            continue
        what = record.item
        if what not in items or what in seen:
            continue
        seen.add(what)
        result.append(Change(items[what], record.value))
    return result


def _show(value: Any, *, created: bool = False) -> str:
    if value is None:
        return "(absent)" if created else "(gone)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def restore(
    records: list[Record], world: World, journal: Journal, *, force: bool = False
) -> list[RestoreCheck]:
    """Put back every changed item (delete every created one); journal and return one check per
    item. Each item is read and undone by the fault type that owns its kind."""
    changes = changes_from(records)
    checks = restore_changes(changes, world, journal, force=force)
    # A marker is written just before its change is journalled: a crash in between leaves a
    # marker on an item the journal never saw change. It was not changed, so it goes too.
    changed = {c.item.what for c in changes}
    markers = MarkerWriter(world, "")
    for record in records:
        if isinstance(record, SnapshotTaken):
            for item in record.items:
                if item.mutable and item.what not in changed:
                    markers.clear(item)
    return checks


def restore_changes(
    changes: list[Change], world: World, journal: Journal, *, force: bool = False
) -> list[RestoreCheck]:
    """Restore ``changes`` (from a journal or from markers) with the same drift rules; clear
    the marker of every item that is back."""
    checks: list[RestoreCheck] = []
    markers = MarkerWriter(world, "")
    for change in changes:
        check = _restore_one(change, world, journal, force=force)
        if check.outcome is RestoreOutcome.RESTORED:
            markers.clear(change.item)
        journal.append(
            RestoreChecked(
                what=check.what,
                expected=check.expected,
                actual=check.actual,
                outcome=check.outcome.value,
                detail=check.detail,
            )
        )
        log.info("drill.restore.check", what=check.what, outcome=check.outcome.value)
        checks.append(check)
    return checks


ALREADY = "already as snapshot"
"""The detail of a restored item that nobody had to touch (it was already back)."""
PUT_BACK = "put back"
"""The detail of a restored item that this restore changed back."""


def _restore_one(change: Change, world: World, journal: Journal, *, force: bool) -> RestoreCheck:
    item = change.item
    fault = owner_of(item)
    expected = _show(item.value, created=item.created)
    try:
        current = fault.read(item, world)
        if current == item.value:
            return RestoreCheck(
                item.what,
                expected,
                _show(current, created=item.created),
                RestoreOutcome.RESTORED,
                ALREADY,
            )
        if current is None:
            return RestoreCheck(
                item.what,
                expected,
                "(gone)",
                RestoreOutcome.FAILED,
                "it no longer exists, so there is nothing to put back",
            )
        if current != change.written and not force:
            return RestoreCheck(
                item.what,
                expected,
                _show(current),
                RestoreOutcome.DRIFTED,
                f"someone set it to {_show(current)} during the drill (drillkit wrote "
                f"{_show(change.written)}); left alone: re-run with --force to overwrite",
            )
        journal.append(RestoreIntent(item=item.what, value=item.value, was=current))
        fault.undo(item, world)
        after = fault.read(item, world)
        journal.append(RestoreResult(item=item.what, ok=after == item.value, value=after))
    except AdapterError as e:
        journal.append(RestoreResult(item=item.what, ok=False, detail=str(e)))
        return RestoreCheck(item.what, expected, "(unknown)", RestoreOutcome.FAILED, str(e))
    if after != item.value:
        return RestoreCheck(
            item.what,
            expected,
            _show(after, created=item.created),
            RestoreOutcome.FAILED,
            "the undo was accepted but the value read back differs",
        )
    return RestoreCheck(
        item.what, expected, _show(after, created=item.created), RestoreOutcome.RESTORED, PUT_BACK
    )


def leftovers(checks: list[RestoreCheck]) -> list[str]:
    """One line per item a human must look at."""
    return [
        f"{c.what}: is {c.actual}, should be {c.expected} ({c.outcome.value}: {c.detail})"
        for c in checks
        if c.outcome is not RestoreOutcome.RESTORED
    ]
