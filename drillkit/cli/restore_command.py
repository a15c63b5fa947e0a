"""``drillkit restore``'s body: pick the run, take its flock, restore, say exactly what is left."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.restore import PUT_BACK
from drillkit.engine.runs import RunStore, RunSummary, run_lock
from drillkit.exitcodes import ExitCode

if TYPE_CHECKING:
    from drillkit.engine.recovery import Recovery
    from drillkit.engine.restore import RestoreControl
    from drillkit.engine.signals import SignalState


def when(epoch: float | None) -> str:
    if epoch is None:
        return "an unknown time"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pick(store: RunStore, run_ref: str | None) -> RunSummary:
    """The run named (a run id, a unique prefix of one, a journal), else the latest unfinished
    run, else the latest that changed something (which then has nothing to restore)."""
    from drillkit.cli.run_ref import resolve_run

    if run_ref is not None:
        return store.summary(resolve_run(store, run_ref))
    unfinished = store.latest_unfinished()
    return unfinished if unfinished is not None else store.latest(changed=True)


def nothing_to_restore(run: RunSummary) -> str:
    return f"nothing to restore: {run.run_id} finished and was restored at {when(run.restored_at)}"


def run_restore(
    ctx: click.Context,
    *,
    run_ref: str | None,
    yes: bool,
    force: bool,
    runs_dir: Path | None,
    output: str,
) -> None:
    """Restore one run; exits 0 when everything is back (or nothing was left), 5 otherwise.

    A SIGINT or SIGTERM before restore begins (confirming, reconnecting, waiting for another
    process's lock) ends it with exit 130 and nothing changed; from then on the two-step stop
    of ``engine.signals.two_step_stop`` applies."""
    from drillkit.engine.signals import Interrupted, interrupts

    document: dict[str, Any] = {"command": "restore"}
    with interrupts() as signals:
        try:
            _restore(ctx, signals, document, run_ref, yes=yes, force=force,
                     runs_dir=runs_dir, output=output)  # fmt: skip
        except Interrupted as e:
            document["interrupted"] = e.signal_name
            _done(
                ctx,
                output,
                document,
                f"interrupted by {e.signal_name} before restore began; nothing was changed",
                ExitCode.INTERRUPTED,
                err=True,
            )


def _restore(
    ctx: click.Context,
    signals: SignalState,
    document: dict[str, Any],
    run_ref: str | None,
    *,
    yes: bool,
    force: bool,
    runs_dir: Path | None,
    output: str,
) -> None:
    from drillkit.cli.run_commands import _confirm, _store
    from drillkit.cli.wiring import wiring_of
    from drillkit.engine.journal_scan import scan_journal
    from drillkit.engine.recovery import adapters_needed
    from drillkit.engine.reporting import drill_of, started_of

    store = _store(runs_dir)
    run = _pick(store, run_ref)
    document["runId"] = run.run_id
    if not run.unfinished and not force:
        _done(ctx, output, document, nothing_to_restore(run), ExitCode.PASS)
    scan = scan_journal(run.journal)
    for problem in scan.problems:
        click.echo(f"drillkit: {run.journal}: unreadable {problem}", err=True)
    records = scan.records
    drill = drill_of(records)
    _confirm(ctx, yes, f"Restore what run {run.run_id} changed?")
    say = _say(output)
    wiring = wiring_of(ctx)
    needs = adapters_needed(records)

    def waiting() -> None:
        say(
            f"run {run.run_id} is held by another drillkit process (a run or a restore); "
            "waiting for it to finish"
        )

    with (
        wiring.reconnect(started_of(records).connection, drill, needs) as conns,
        run_lock(run.journal.parent, on_wait=waiting),
    ):
        now = store.summary(run.journal)
        if not now.unfinished and not force:
            _done(ctx, output, document, nothing_to_restore(now), ExitCode.PASS)
        if conns is None:
            signals.shielded = True  # from here on the journal changes: never "nothing changed"
            _close_without_world(ctx, output, document, run)
            return
        from drillkit.engine.recovery import recover
        from drillkit.engine.restore import RestoreControl
        from drillkit.engine.signals import two_step_stop

        control = RestoreControl(
            deadline_s=float(drill.restore.deadline),
            stop=threading.Event(),
            on_check=lambda c: say(check_line(c)),
        )

        def stopping(name: str) -> None:
            control.stopped_by = name
            say(f"second {name}: stopping after the current item")

        # From here restore has begun: the two-step stop replaces "interrupted, nothing changed".
        signals.shielded = True
        with two_step_stop(control.stop, say, stopping):
            recovery = recover(
                run.journal, conns, force=force, control=control, alerts=wiring.alerts
            )
    _report(ctx, output, document, run=run, recovery=recovery, control=control)


def _close_without_world(
    ctx: click.Context, output: str, document: dict[str, Any], run: RunSummary
) -> None:
    """The run's embedded sandbox twin is gone, and its world with it: journal that the run is
    finished (so the next run is not refused over it) and say so."""
    from drillkit.adapters.clock import SystemClock
    from drillkit.engine.recovery import close_without_world

    why = (
        f"run {run.run_id} ran against an embedded sandbox twin that has stopped; its world "
        "went with it, so there is nothing left to restore"
    )
    recovery = close_without_world(run.journal, SystemClock(), why)
    document.update(restored=True, items=[], left=[], twinGone=True,
                    journalProblems=[str(p) for p in recovery.problems])  # fmt: skip
    if recovery.unwritten:
        left = [f"the journal could not record {what}" for what in recovery.unwritten]
        document.update(restored=False, left=left)
        message = f"{why}, but the journal could not record it:\n  - " + "\n  - ".join(left)
        _done(ctx, output, document, message, ExitCode.RESTORE_INCOMPLETE, err=True)
    _done(ctx, output, document, f"{why}; the run is now finished", ExitCode.PASS)


def _report(
    ctx: click.Context,
    output: str,
    document: dict[str, Any],
    *,
    run: RunSummary,
    recovery: Recovery,
    control: RestoreControl,
) -> None:
    """Say exactly what is back and what is left, and exit 0 or 5."""
    from drillkit.engine.restore import leftovers

    left = leftovers(recovery.checks)
    left += [f"the journal could not record {what}" for what in recovery.unwritten]
    document.update(
        restored=recovery.complete and not recovery.unwritten,
        items=[
            {"what": c.what, "outcome": c.outcome.value, "expected": c.expected,
             "actual": c.actual, "detail": c.detail}
            for c in recovery.checks
        ],
        left=left,
        journalProblems=[str(p) for p in recovery.problems],
        leaseNotReleased=recovery.lease_left,
    )  # fmt: skip
    if control.stopped_by:
        document["stoppedBy"] = control.stopped_by
    if left:
        message = f"restore of {run.run_id} is incomplete; fix by hand:\n  - " + "\n  - ".join(left)
        _done(ctx, output, document, message, ExitCode.RESTORE_INCOMPLETE, err=True)
    checked = len(recovery.checks)
    put_back = sum(c.detail == PUT_BACK for c in recovery.checks)
    _done(
        ctx,
        output,
        document,
        f"restored: run {run.run_id} ({checked} item(s) checked: {put_back} put back, "
        f"{checked - put_back} already as snapshot)",
        ExitCode.PASS,
    )


def check_line(check: RestoreCheck) -> str:
    """One item's line: "already as snapshot" (nothing to do) or "put back" (this restore
    changed it) for a restored item, else its outcome and why."""
    if check.outcome is RestoreOutcome.RESTORED and check.detail:
        return f"{check.detail:19} {check.what}: {check.actual}"
    detail = f" ({check.detail})" if check.detail else ""
    return f"{check.outcome.value:19} {check.what}: {check.actual}{detail}"


def _say(output: str) -> Any:
    def say(line: str) -> None:
        click.echo(f"drillkit: {line}" if output == "json" else line, err=output == "json")

    return say


def _done(
    ctx: click.Context,
    output: str,
    document: dict[str, Any],
    message: str,
    code: ExitCode,
    *,
    err: bool = False,
) -> None:
    """Print the message (or the one JSON document) and exit with ``code``."""
    if output == "json":
        document.update(exitCode=int(code), message=message)
        click.echo(json.dumps(document, indent=2))
        ctx.meta["drillkit.json_printed"] = True
    else:
        click.echo(f"drillkit: {message}" if err else message, err=err)
    ctx.exit(int(code))


__all__ = ["check_line", "nothing_to_restore", "run_restore", "when"]
