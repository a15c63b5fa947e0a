"""``drillkit restore --scan``: restore from the markers in the world alone, with no journal,
by the same drift rules as a journal restore (``engine/restore.py``)."""

from __future__ import annotations

import structlog

from drillkit.adapters.ports import Clock
from drillkit.core.plan import LEASE_NAME, LEASE_NAMESPACE
from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.faults import World
from drillkit.engine.journal import Journal
from drillkit.engine.markers import Found, item_of, scan
from drillkit.engine.records import Mark, RecoveryFinished, RecoveryStarted
from drillkit.engine.restore import Change, restore_changes
from drillkit.errors import AdapterError

log = structlog.get_logger()


def restore_from_markers(
    world: World,
    contexts: dict[str, str],
    journal: Journal,
    clock: Clock,
    *,
    force: bool = False,
    profiles: bool = True,
) -> tuple[list[Found], list[RestoreCheck]]:
    """Find every marker, restore what it stands for, free the Leases of the runs found."""
    journal.append(RecoveryStarted(force=force))
    found = scan(world, contexts, profiles=profiles)
    journal.append(Mark(name="restore_started", at=clock.wall()))
    damaged = [f for f in found if f.marker.kind == "?"]
    changes = [Change(item_of(f), f.marker.written) for f in found if f.marker.kind != "?"]
    checks = restore_changes(changes, world, journal, force=force)
    checks += [
        RestoreCheck(
            f.where,
            "(unknown)",
            "(marked)",
            RestoreOutcome.FAILED,
            "its marker cannot be read; look at it by hand",
        )
        for f in damaged
    ]
    journal.append(Mark(name="restored", at=clock.wall()))
    for run_id in sorted({f.marker.run_id for f in found}):
        for region, cluster in sorted(world.clusters.items()):
            try:
                cluster.delete_lease(LEASE_NAMESPACE, LEASE_NAME, run_id)
            except AdapterError as e:
                log.warning("drill.scan.lease", region=region, run=run_id, error=str(e))
    journal.append(
        RecoveryFinished(restored=all(c.outcome is RestoreOutcome.RESTORED for c in checks))
    )
    return found, checks
