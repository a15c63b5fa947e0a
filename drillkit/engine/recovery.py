"""``drillkit restore``: put back a run's changes from its journal alone, after any crash.

The caller holds the run's flock (``runs.run_lock``), so two restores never interleave. The
journal's damaged lines are reported, never hide an intent; restore's own records are written
best effort (a full disk does not stop the world from being put back); the Lease a crashed run
left behind is released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from drillkit.adapters.bundle import Connections
from drillkit.adapters.guard_ports import Alerts
from drillkit.adapters.ports import Clock
from drillkit.core.plan import LEASE_NAME, LEASE_NAMESPACE
from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.faults import ARM_ITEM_KINDS, world_of
from drillkit.engine.journal import Journal
from drillkit.engine.journal_scan import LineProblem
from drillkit.engine.records import (
    Mark,
    Record,
    RecoveryFinished,
    RecoveryStarted,
    RunStarted,
    SnapshotTaken,
    first,
)
from drillkit.engine.restore import RestoreControl, note, restore
from drillkit.errors import AdapterError

log = structlog.get_logger()


def adapters_needed(records: list[Record]) -> frozenset[str]:
    """What a restore must connect: the clusters always (items and the drill's leases), ARM
    only when an item lives in Traffic Manager (an endpoint, a manual drill's profile), DNS
    never."""
    kinds = {item.kind for r in records if isinstance(r, SnapshotTaken) for item in r.items}
    return frozenset({"kube", "arm"} if kinds & ARM_ITEM_KINDS else {"kube"})


@dataclass
class Recovery:
    """What one ``drillkit restore`` did."""

    checks: list[RestoreCheck]
    problems: list[LineProblem] = field(default_factory=list)
    """Journal lines that could not be read."""
    unwritten: list[str] = field(default_factory=list)
    """Restore's own records the journal could not take (kind and seq)."""
    lease_left: list[str] = field(default_factory=list)
    """Regions whose Lease held by the run could not be released."""

    @property
    def complete(self) -> bool:
        return all(c.outcome is RestoreOutcome.RESTORED for c in self.checks)


def recover(
    path: Path,
    conns: Connections,
    *,
    force: bool = False,
    control: RestoreControl | None = None,
    alerts: Callable[[str], Alerts] | None = None,
) -> Recovery:
    """Restore every item the run changed, append the checks to its journal, free its lock."""
    control = control or RestoreControl()
    with Journal(path, conns.clock) as journal:
        records = journal.records()
        started = first(records, RunStarted)
        note(journal, RecoveryStarted(force=force))
        note(journal, Mark(name="restore_started", at=conns.clock.wall()))
        world = world_of(conns, alerts=alerts)
        checks = restore(records, world, journal, force=force, control=control)
        note(journal, Mark(name="restored", at=conns.clock.wall()))
        lease_left: list[str] = []
        if started is not None and started.run_id:
            for region, cluster in sorted(conns.clusters.items()):
                try:
                    cluster.delete_lease(LEASE_NAMESPACE, LEASE_NAME, started.run_id)
                except AdapterError as e:
                    log.warning("drill.recovery.lease", region=region, error=str(e))
                    lease_left.append(region)
        result = Recovery(checks, journal.problems, lease_left=lease_left)
        note(journal, RecoveryFinished(restored=result.complete))
        result.unwritten = [f"{r.kind} (seq {r.seq})" for r in journal.unwritten]
    return result


def close_without_world(path: Path, clock: Clock, why: str) -> Recovery:
    """Finish the restore of a run whose world is gone with its embedded sandbox twin: nothing
    is left anywhere to put back, so the journal says so and the run counts as finished."""
    with Journal(path, clock) as journal:
        note(journal, RecoveryStarted(force=False))
        note(journal, RecoveryFinished(restored=True, note=why))
        result = Recovery([], journal.problems)
        result.unwritten = [f"{r.kind} (seq {r.seq})" for r in journal.unwritten]
    return result
