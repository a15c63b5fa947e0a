"""Restore, driven by the journal: put back every snapshot item the drill changed.

Idempotent (an item already back is only checked) and careful: an item is put back only while
it still holds the value drillkit last wrote to it (the drill's intent, or the snapshot value
once a restore put it back). Anything else was changed by someone else (drift) and is left
alone unless ``force``.

Items that cannot be put back (the API is down) are retried with backoff until the deadline.
A stop request (a second SIGINT or SIGTERM) ends the work between items and during waits; the
items not reached are reported as not checked. Restore's own records are written best effort:
a journal that cannot take them never stops the world from being put back.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
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
    UnknownRecord,
)
from drillkit.errors import AdapterError, JournalWriteError, PermanentAdapterError

log = structlog.get_logger()
FIRST_BACKOFF_S = 0.5
MAX_PARALLEL_RESTORES = 16
"""Independent items (a region's nodes) put back at once: 100 uncordons are not a queue."""
SLOW_START = 8
"""Items put back one by one before any run in parallel (a small region restores as before)."""
MAX_BACKOFF_S = 5.0
NOT_CHECKED = "(not checked)"
UNREADABLE = "(unreadable)"
"""The value an intent wrote, when its record could not be read: never equal to a real one."""


@dataclass(frozen=True, slots=True)
class Change:
    """A snapshot item, the value drillkit last wrote to it, and whether that was a restore."""

    item: Item
    written: JsonScalar
    restored: bool = False
    """A restore already put it back: since then, any other value is someone else's."""


@dataclass
class RestoreControl:
    """How long restore may keep trying, and how to stop it early."""

    deadline_s: float = 0.0
    """Retry failed items until this many seconds after restore began (0: one pass)."""
    stop: threading.Event = field(default_factory=threading.Event)
    """Set to stop between items (a second signal)."""
    stopped_by: str = ""
    """What stopped it, for the report (``SIGTERM``)."""
    monotonic: Callable[[], float] | None = None
    on_check: Callable[[RestoreCheck], None] | None = None
    """Called after each item's final check (progress)."""


def _intents(records: list[Record]) -> Iterator[tuple[int, str, JsonScalar, str]]:
    """Each journalled change to a named item: (index, item, value written, action).

    An intent line that is JSON but cannot be typed (a damaged key) still names what it
    changed: it counts too, with its value when that is readable."""
    for index, record in enumerate(records):
        if isinstance(record, Intent) and record.item:
            yield index, record.item, record.value, record.action
        elif isinstance(record, UnknownRecord) and record.name == Intent.KIND:
            item, value = record.data.get("item"), record.data.get("value", UNREADABLE)
            if isinstance(item, str) and item:
                written = value if isinstance(value, bool | int | float | str) else UNREADABLE
                yield index, item, written, str(record.data.get("action", "?"))


def _restored_after(records: list[Record], last_intent: dict[str, int]) -> set[str]:
    return {
        r.what
        for index, r in enumerate(records)
        if isinstance(r, RestoreChecked)
        and r.outcome == RestoreOutcome.RESTORED.value
        and index > last_intent.get(r.what, len(records))
    }


def changes_from(records: list[Record]) -> list[Change]:
    """Items with a journalled intent, most recent intent first (a crash may have hidden the
    result); an item a later restore checked as restored is marked ``restored``.

    Items come from every snapshot record (a later one may add items taken during the drill).
    """
    items = {i.what: i for r in records if isinstance(r, SnapshotTaken) for i in r.items}
    last_intent = {item: index for index, item, _, _ in _intents(records) if item in items}
    restored_after = _restored_after(records, last_intent)
    written = {index: value for index, _, value, _ in _intents(records)}
    result: list[Change] = []
    for what, index in sorted(last_intent.items(), key=lambda kv: -kv[1]):
        result.append(Change(items[what], written[index], what in restored_after))
    return result


def lost_snapshots(records: list[Record]) -> list[RestoreCheck]:
    """A failed check for each item drillkit changed that no readable snapshot holds (its
    snapshot line is unreadable): its value before is lost, so a human must check it."""
    items = {i.what for r in records if isinstance(r, SnapshotTaken) for i in r.items}
    last: dict[str, tuple[int, JsonScalar, str]] = {}
    for index, item, value, action in _intents(records):
        if item not in items:
            last[item] = (index, value, action)
    restored_after = _restored_after(records, {k: v[0] for k, v in last.items()})
    return [
        RestoreCheck(
            what,
            "(unknown: its snapshot line is unreadable)",
            NOT_CHECKED,
            RestoreOutcome.FAILED,
            f"snapshot line unreadable; drillkit changed {what} ({action}, wrote "
            f"{_show(value)}) and its value before the drill is lost: check it by hand",
        )
        for what, (_, value, action) in sorted(last.items())
        if what not in restored_after
    ]


def _show(value: Any, *, created: bool = False) -> str:
    if value is None:
        return "(absent)" if created else "(gone)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def note(journal: Journal, record: Record) -> None:
    """Append a record of restore's own; a journal that refuses it does not stop restore."""
    try:
        journal.append(record)
    except JournalWriteError as e:
        log.error("drill.restore.journal_failed", error=str(e))


def restore(
    records: list[Record],
    world: World,
    journal: Journal,
    *,
    force: bool = False,
    control: RestoreControl | None = None,
) -> list[RestoreCheck]:
    """Put back every changed item (delete every created one); journal and return one check per
    item. Each item is read and undone by the fault type that owns its kind."""
    changes = changes_from(records)
    checks = restore_changes(changes, world, journal, force=force, control=control)
    for check in lost_snapshots(records):
        _finish(check, journal, control or RestoreControl())
        checks.append(check)
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
    changes: list[Change],
    world: World,
    journal: Journal,
    *,
    force: bool = False,
    control: RestoreControl | None = None,
) -> list[RestoreCheck]:
    """Restore ``changes`` (from a journal or from markers) with the same drift rules, retrying
    API errors until the control's deadline; clear the marker of every item that is back."""
    control = control or RestoreControl()
    clock = control.monotonic or _monotonic
    started = clock()
    pending = list(changes)
    final: dict[str, RestoreCheck] = {}
    markers = MarkerWriter(world, "")
    backoff = FIRST_BACKOFF_S

    def attempt(change: Change) -> tuple[RestoreCheck, bool]:
        check, transient = _restore_one(change, world, journal, force=force)
        if check.outcome is RestoreOutcome.RESTORED:
            markers.clear(change.item)
        return check, transient

    while True:
        retry: list[Change] = []
        for change, result in zip(pending, _attempts(pending, attempt, control.stop), strict=True):
            if result is None:
                continue  # stopped before this item
            check, transient = result
            if transient and clock() - started < control.deadline_s:
                log.warning("drill.restore.retry", what=check.what, error=check.detail)
                retry.append(change)
                continue
            _finish(check, journal, control)
            final[check.what] = check
        left = [c for c in pending if c.item.what not in final and c not in retry]
        pending = [*retry, *left] if control.stop.is_set() else retry
        if not pending or control.stop.is_set():
            break
        wait = min(backoff, max(control.deadline_s - (clock() - started), 0.0))
        if control.stop.wait(wait):
            break
        backoff = min(backoff * 2, MAX_BACKOFF_S)
    why = f"restore was stopped by {control.stopped_by or 'request'} before this item"
    for change in pending:
        check = RestoreCheck(
            change.item.what,
            _show(change.item.value),
            NOT_CHECKED,
            RestoreOutcome.FAILED,
            f"{why}; its state is unknown",
        )
        _finish(check, journal, control)
        final[check.what] = check
    return [final[c.item.what] for c in changes if c.item.what in final]


def _attempts(
    changes: list[Change],
    attempt: Callable[[Change], tuple[RestoreCheck, bool]],
    stop: threading.Event,
) -> Iterator[tuple[RestoreCheck, bool] | None]:
    """``attempt`` each change, yielding the results in order (None for a change a stop kept
    from starting). A run of consecutive items whose owner undoes them independently
    (``concurrent_undo``: a drain's nodes) goes to a pool, with a slow start: the first
    ``SLOW_START`` one at a time, as before, then one more in flight per item done, up to
    ``MAX_PARALLEL_RESTORES``. A stop starts no further item, so a stop after one of the first
    items still leaves the rest unreached, and an API that refuses the first undos gets no
    burst."""
    index = 0
    while index < len(changes):
        if not _concurrent(changes[index]):
            yield None if stop.is_set() else attempt(changes[index])
            index += 1
            continue
        end = index
        while end < len(changes) and _concurrent(changes[end]):
            end += 1
        batch, index = changes[index:end], end
        with ThreadPoolExecutor(min(MAX_PARALLEL_RESTORES, len(batch))) as pool:
            flight: deque[Future[tuple[RestoreCheck, bool]]] = deque()
            started = 0
            for done in range(len(batch)):
                limit = (
                    1 if done < SLOW_START else min(done - SLOW_START + 2, MAX_PARALLEL_RESTORES)
                )
                while started < len(batch) and len(flight) < limit and not stop.is_set():
                    flight.append(pool.submit(attempt, batch[started]))
                    started += 1
                yield flight.popleft().result() if flight else None


def _concurrent(change: Change) -> bool:
    return bool(getattr(owner_of(change.item), "concurrent_undo", False))


def _monotonic() -> float:
    import time

    return time.monotonic()


def _finish(check: RestoreCheck, journal: Journal, control: RestoreControl) -> None:
    note(
        journal,
        RestoreChecked(
            what=check.what,
            expected=check.expected,
            actual=check.actual,
            outcome=check.outcome.value,
            detail=check.detail,
        ),
    )
    log.info("drill.restore.check", what=check.what, outcome=check.outcome.value)
    if control.on_check is not None:
        control.on_check(check)


ALREADY = "already as snapshot"
"""The detail of a restored item that nobody had to touch (it was already back)."""
PUT_BACK = "put back"
"""The detail of a restored item that this restore changed back."""


def _restore_one(
    change: Change, world: World, journal: Journal, *, force: bool
) -> tuple[RestoreCheck, bool]:
    """The item's check, and whether it failed in a way worth retrying (an API error)."""
    item = change.item
    fault = owner_of(item)
    expected = _show(item.value, created=item.created)
    try:
        current = fault.read(item, world)
        if current == item.value:
            shown = _show(current, created=item.created)
            return RestoreCheck(item.what, expected, shown, RestoreOutcome.RESTORED, ALREADY), False
        if current is None:
            detail = "it no longer exists, so there is nothing to put back"
            return RestoreCheck(item.what, expected, "(gone)", RestoreOutcome.FAILED, detail), False
        drift = _drift(change, current)
        if drift and not force:
            return RestoreCheck(
                item.what, expected, _show(current), RestoreOutcome.DRIFTED, drift
            ), False
        note(journal, RestoreIntent(item=item.what, value=item.value, was=current))
        fault.undo(item, world)
        after = fault.read(item, world)
        note(journal, RestoreResult(item=item.what, ok=after == item.value, value=after))
    except AdapterError as e:
        note(journal, RestoreResult(item=item.what, ok=False, detail=str(e)))
        check = RestoreCheck(item.what, expected, "(unknown)", RestoreOutcome.FAILED, str(e))
        return check, not isinstance(e, PermanentAdapterError)
    shown = _show(after, created=item.created)
    if after != item.value:
        return RestoreCheck(
            item.what,
            expected,
            shown,
            RestoreOutcome.FAILED,
            "the undo was accepted but the value read back differs",
        ), False
    return RestoreCheck(item.what, expected, shown, RestoreOutcome.RESTORED, PUT_BACK), False


def _drift(change: Change, current: JsonScalar) -> str:
    """Why ``current`` is someone else's value ('' when it is the one drillkit wrote)."""
    fix = "left alone: re-run with --force to overwrite"
    if change.restored:
        return f"someone set it to {_show(current)} after drillkit had put it back; {fix}"
    if current != change.written:
        return (
            f"someone set it to {_show(current)} during the drill (drillkit wrote "
            f"{_show(change.written)}); {fix}"
        )
    return ""


def leftovers(checks: list[RestoreCheck]) -> list[str]:
    """One line per item a human must look at."""
    return [
        f"{c.what}: is {c.actual}, should be {c.expected} ({c.outcome.value}: {c.detail})"
        for c in checks
        if c.outcome is not RestoreOutcome.RESTORED
    ]
