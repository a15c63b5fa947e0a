"""``drillkit restore``: put back a run's changes from its journal alone, after any crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import structlog

from drillkit.adapters.bundle import Connections
from drillkit.adapters.guard_ports import Alerts
from drillkit.core.plan import LEASE_NAME, LEASE_NAMESPACE
from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.faults import world_of
from drillkit.engine.faults.disable_endpoint import ENDPOINT
from drillkit.engine.journal import Journal
from drillkit.engine.records import (
    Mark,
    Record,
    RecoveryFinished,
    RecoveryStarted,
    RunStarted,
    SnapshotTaken,
    first,
)
from drillkit.engine.restore import restore
from drillkit.errors import AdapterError

log = structlog.get_logger()


def adapters_needed(records: list[Record]) -> frozenset[str]:
    """What a restore must connect: the clusters always (items and the drill's leases), ARM
    only when an item is a Traffic Manager endpoint, DNS never."""
    kinds = {item.kind for r in records if isinstance(r, SnapshotTaken) for item in r.items}
    return frozenset({"kube", "arm"} if ENDPOINT in kinds else {"kube"})


def recover(
    path: Path,
    conns: Connections,
    *,
    force: bool = False,
    alerts: Callable[[str], Alerts] | None = None,
) -> list[RestoreCheck]:
    """Restore every item the run changed, append the checks to its journal, free its lock."""
    with Journal(path, conns.clock) as journal:
        records = journal.records()
        started = first(records, RunStarted)
        journal.append(RecoveryStarted(force=force))
        journal.append(Mark(name="restore_started", at=conns.clock.wall()))
        world = world_of(conns, alerts=alerts)
        checks = restore(records, world, journal, force=force)
        journal.append(Mark(name="restored", at=conns.clock.wall()))
        if started is not None and started.run_id:
            for region, cluster in sorted(conns.clusters.items()):
                try:
                    cluster.delete_lease(LEASE_NAMESPACE, LEASE_NAME, started.run_id)
                except AdapterError as e:
                    log.warning("drill.recovery.lease", region=region, error=str(e))
        journal.append(
            RecoveryFinished(restored=all(c.outcome is RestoreOutcome.RESTORED for c in checks))
        )
    return checks
