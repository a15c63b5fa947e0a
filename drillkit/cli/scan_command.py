"""``drillkit restore --scan``: put back what the markers in the world say, with no journal."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import click

from drillkit.cli.wiring import Wiring
from drillkit.errors import RestoreIncomplete


class _NoTrafficManager:
    """Stands in for Traffic Manager when only kube contexts are scanned (no profile tags)."""

    def __getattr__(self, name: str) -> Any:
        raise click.UsageError("scanning Traffic Manager needs --drill (its profile)")


def restore_scan(
    wiring: Wiring,
    *,
    drill_path: Path | None,
    attach: Path | None,
    contexts: tuple[str, ...],
    kubeconfig: str | None,
    force: bool,
    runs_dir: Path,
) -> None:
    """Scan the drill's clusters and profile (``--drill``) or kube contexts (``--context``)."""
    from drillkit.adapters.clock import SystemClock
    from drillkit.engine.faults import World
    from drillkit.engine.journal import Journal
    from drillkit.engine.markers import marker_contexts
    from drillkit.engine.scanrestore import restore_from_markers
    from drillkit.spec.loader import load_drill

    if drill_path is None and not contexts:
        raise click.UsageError("--scan needs --drill DRILL or at least one --context CTX")
    clock = SystemClock()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock.wall()))
    journal_path = runs_dir / "scans" / f"{stamp}-{time.monotonic_ns() % 10**6:06d}"
    with contextlib.ExitStack() as stack:
        if drill_path is not None:
            drill = load_drill(drill_path)
            if drill.environment.sandbox is not None and attach is None:
                raise click.UsageError(
                    "a sandbox drill's world lives in its twin: pass --attach STATE_DIR"
                )
            conns = stack.enter_context(wiring.connect(drill, drill_path, attach))
            world = World(conns.clusters, conns.traffic_manager, alerts=wiring.alerts,
                          argocd=conns.argocd, argocd_error=conns.argocd_error)  # fmt: skip
            names = marker_contexts(drill)
        else:
            clusters = stack.enter_context(wiring.clusters(list(contexts), kubeconfig))
            world = World(clusters, _NoTrafficManager(), alerts=wiring.alerts)
            names = {c: c for c in contexts}
        journal = stack.enter_context(Journal(journal_path / "journal.jsonl", clock))
        found, checks = restore_from_markers(
            world, names, journal, clock, force=force, profiles=drill_path is not None
        )
    if not found:
        click.echo(
            "nothing to restore: no drillkit markers in " + ", ".join(sorted(names.values()))
        )
        return
    for check in checks:
        detail = f" ({check.detail})" if check.detail else ""
        click.echo(f"{check.outcome.value:9} {check.what}: {check.actual}{detail}")
    runs = ", ".join(sorted({f.marker.run_id for f in found}))
    bad = [c for c in checks if c.outcome.value != "restored"]
    if bad:
        from drillkit.engine.restore import leftovers

        raise RestoreIncomplete(
            f"restore from the markers of run {runs} is incomplete; fix by hand:\n  - "
            + "\n  - ".join(leftovers(checks)),
            leftovers(checks),
        )
    click.echo(f"restored from markers: run {runs} ({len(checks)} item(s) checked)")
