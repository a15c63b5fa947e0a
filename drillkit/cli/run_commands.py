"""``drillkit run``, ``drillkit restore`` and ``drillkit report``: parse, wire, print."""

from __future__ import annotations

import contextlib
import getpass
import json
import socket
import sys
from pathlib import Path
from typing import Any

import click

from drillkit.cli.wiring import wiring_of
from drillkit.engine.runs import DEFAULT_RUNS_DIR, RunStore
from drillkit.errors import DrillkitError
from drillkit.evidence import DEFAULT_EVIDENCE_DIR, RENDERERS
from drillkit.exitcodes import ExitCode


def _runs_dir_option(f: Any) -> Any:
    return click.option(
        "--runs-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_RUNS_DIR,
        show_default=True,
        help="Where run journals live.",
    )(f)


def _confirm(ctx: click.Context, yes: bool, question: str) -> None:
    """Ask on a terminal; without one, demand --yes. Declining changes nothing."""
    if yes:
        return
    if not sys.stdin.isatty():
        click.echo(
            "drillkit: refusing to change anything without confirmation: stdin is not a "
            "terminal; pass --yes to run non-interactively",
            err=True,
        )
        ctx.exit(ExitCode.USAGE)
    if not click.confirm(question, default=False, err=True):
        click.echo("drillkit: not confirmed; nothing was changed", err=True)
        ctx.exit(ExitCode.USAGE)


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@click.command()
@click.argument("drill_path", metavar="DRILL", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a TTY).")
@click.option(
    "--attach",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use the twin started by `drillkit sandbox up --state-dir STATE_DIR`.",
)
@click.option(
    "--evidence-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_EVIDENCE_DIR,
    help="Where the evidence files go (one per format).",
    show_default=True,
)
@_runs_dir_option
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A jinja2 Markdown template for the evidence.",
)
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def run(
    ctx: click.Context,
    *,
    drill_path: Path,
    yes: bool,
    attach: Path | None,
    evidence_dir: Path,
    runs_dir: Path,
    template: Path | None,
    output: str,
) -> None:
    """Run a failover drill: take the target region down, measure, restore, write evidence.

    Exit status: 0 pass, 1 objective missed, 2 bad usage, 3 preflight refused (nothing
    changed), 4 aborted and restored, 5 restore incomplete, 130 interrupted and restored.
    """
    from drillkit.cli.run_display import LiveProgress, Progress
    from drillkit.engine.runner import Runner, RunOptions
    from drillkit.spec.loader import load_drill

    drill = load_drill(drill_path)
    where = "the sandbox twin" if drill.environment.sandbox else "REAL Azure and Kubernetes"
    _confirm(
        ctx,
        yes,
        f"Run drill {drill.metadata.name!r}: {drill.fault.type} region {drill.target} in {where}?",
    )
    live = output == "text" and sys.stdout.isatty()
    progress: Progress = (
        LiveProgress() if live else Progress(sys.stdout if output == "text" else None)
    )
    with wiring_of(ctx).connect(drill, drill_path, attach) as conns:
        options = RunOptions(
            drill=drill,
            drill_path=drill_path,
            runs_dir=runs_dir,
            run_by=_who(),
            listener=progress,
            evidence_dir=evidence_dir,
            template=template,
        )
        runner = Runner(options, conns)
        with progress if isinstance(progress, LiveProgress) else contextlib.nullcontext():
            result = runner.run()
    _print_result(result, output)
    ctx.meta["drillkit.json_printed"] = output == "json"
    ctx.exit(int(result.report.verdict.exit_code))


def _print_result(result: Any, output: str) -> None:
    report = result.report
    verdict = report.verdict
    if output == "json":
        from drillkit.evidence.document import run_summary

        summary = run_summary(report, evidence=result.evidence, journal=result.journal_path)
        summary["exitCode"] = int(verdict.exit_code)
        summary["notes"] = list(result.notes)
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"verdict: {verdict.outcome.value}: {verdict.reason}")
        for objective in verdict.objectives:
            measured = objective.measured
            got = (
                "never"
                if measured is None
                else (f"{measured.real:.1f}s real-world ({measured.measured:.2f}s measured)")
            )
            mark = "held" if objective.held else "MISSED"
            click.echo(f"  {objective.name}: {got}, objective {objective.target:g}s: {mark}")
        for kind, path in result.evidence.items():
            click.echo(f"  evidence ({kind}): {path}")
        for note in result.notes:
            click.echo(f"  note: {note}")
        click.echo(f"  journal: {result.journal_path}")
    if not verdict.restored:
        from drillkit.engine.restore import leftovers

        for line in leftovers(list(report.timeline.restore_checks)):
            click.echo(f"drillkit: NOT RESTORED: {line}", err=True)


@click.command()
@click.argument("run_ref", metavar="RUN_ID_OR_JOURNAL", required=False)
@click.option("--latest", is_flag=True, help="Restore the latest run whose restore is unfinished.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a TTY).")
@click.option("--force", is_flag=True, help="Overwrite values someone else changed (drift).")
@_runs_dir_option
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def restore(
    ctx: click.Context,
    *,
    run_ref: str | None,
    latest: bool,
    yes: bool,
    force: bool,
    runs_dir: Path,
    output: str,
) -> None:
    """Put back what a run changed, from its journal alone (safe to run twice).

    An item is put back only while it holds the value drillkit wrote; anything else is drift,
    reported and left alone unless --force. Failed items are retried until the drill's
    restore.deadline. A first SIGINT/SIGTERM is announced and restore carries on; a second
    stops it and lists what is left. Exit status: 0 restored (or nothing to restore), 5
    something is left for a human (listed).
    """
    if run_ref is None and not latest:
        raise click.UsageError("name a run (RUN_ID_OR_JOURNAL) or pass --latest")
    from drillkit.cli.restore_command import run_restore

    run_restore(ctx, run_ref=run_ref, yes=yes, force=force, runs_dir=runs_dir, output=output)


@click.command()
@click.argument("run_ref", metavar="RUN_ID_OR_JOURNAL")
@click.option(
    "--format", "fmt", type=click.Choice(list(RENDERERS)), default="md", show_default=True
)
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_runs_dir_option
def report(run_ref: str, fmt: str, template: Path | None, runs_dir: Path) -> None:
    """Re-render a run's evidence from its journal, to stdout."""
    from drillkit.engine.journal_scan import scan_journal
    from drillkit.engine.reporting import report_from_journal
    from drillkit.evidence import render

    path = RunStore(runs_dir).find(run_ref)
    for problem in scan_journal(path).problems:
        click.echo(f"drillkit: {path}: unreadable {problem}", err=True)
    try:
        click.echo(render(report_from_journal(path), fmt, template), nl=False)
    except ValueError as e:
        raise DrillkitError(f"cannot render {path}: {e}") from e
