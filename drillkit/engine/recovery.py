"""``drillkit restore``: put back a run's changes from its journal alone, after any crash."""

from __future__ import annotations

from pathlib import Path

import structlog

from drillkit.adapters.bundle import Connections
from drillkit.core.plan import LEASE_NAME, LEASE_NAMESPACE
from drillkit.core.timeline import RestoreCheck
from drillkit.engine.journal import Journal, read_journal
from drillkit.engine.restore import restore
from drillkit.errors import AdapterError

log = structlog.get_logger()


def recover(path: Path, conns: Connections, *, force: bool = False) -> list[RestoreCheck]:
    """Restore every item the run changed, append the checks to its journal, free its lock."""
    records = read_journal(path)
    run_id = next((r.get("runId") for r in records if r["kind"] == "run.started"), None)
    with Journal(path, conns.clock) as journal:
        journal.append("recovery.started", force=force)
        journal.append("mark", name="restore_started", at=conns.clock.wall())
        checks = restore(records, conns.clusters, conns.traffic_manager, journal, force=force)
        journal.append("mark", name="restored", at=conns.clock.wall())
        if run_id:
            for region, cluster in sorted(conns.clusters.items()):
                try:
                    cluster.delete_lease(LEASE_NAMESPACE, LEASE_NAME, str(run_id))
                except AdapterError as e:
                    log.warning("drill.recovery.lease", region=region, error=str(e))
        journal.append(
            "recovery.finished", restored=all(c.outcome.value == "restored" for c in checks)
        )
    return checks
