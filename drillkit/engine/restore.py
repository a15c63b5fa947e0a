"""Restore, driven by the journal alone: put back every snapshot item the drill changed.

Idempotent (an item already back is only checked) and careful: a value that is neither the
snapshot's nor the one the drill wrote was changed by someone else (drift) and is left alone
unless ``force``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from drillkit.adapters.ports import Cluster, TrafficManager
from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.journal import Journal
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
from drillkit.engine.snapshot import read_value, write_value
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


def _show(value: Any) -> str:
    if value is None:
        return "(gone)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def restore(
    records: list[Record],
    clusters: dict[str, Cluster],
    tm: TrafficManager,
    journal: Journal,
    *,
    force: bool = False,
) -> list[RestoreCheck]:
    """Put back every changed item; journal and return one check per item."""
    checks: list[RestoreCheck] = []
    for change in changes_from(records):
        check = _restore_one(change, clusters, tm, journal, force=force)
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


def _restore_one(
    change: Change,
    clusters: dict[str, Cluster],
    tm: TrafficManager,
    journal: Journal,
    *,
    force: bool,
) -> RestoreCheck:
    item = change.item
    expected = _show(item.value)
    try:
        current = read_value(item, clusters, tm)
        if current == item.value:
            return RestoreCheck(item.what, expected, _show(current), RestoreOutcome.RESTORED)
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
        write_value(item, item.value, clusters, tm)
        after = read_value(item, clusters, tm)
        journal.append(RestoreResult(item=item.what, ok=after == item.value, value=after))
    except AdapterError as e:
        journal.append(RestoreResult(item=item.what, ok=False, detail=str(e)))
        return RestoreCheck(item.what, expected, "(unknown)", RestoreOutcome.FAILED, str(e))
    if after != item.value:
        return RestoreCheck(
            item.what,
            expected,
            _show(after),
            RestoreOutcome.FAILED,
            "the write was accepted but the value read back differs",
        )
    return RestoreCheck(item.what, expected, _show(after), RestoreOutcome.RESTORED)


def leftovers(checks: list[RestoreCheck]) -> list[str]:
    """One line per item a human must look at."""
    return [
        f"{c.what}: is {c.actual}, should be {c.expected} ({c.outcome.value}: {c.detail})"
        for c in checks
        if c.outcome is not RestoreOutcome.RESTORED
    ]
