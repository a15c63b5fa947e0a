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
        help=f"Where run journals live (default: {DEFAULT_RUNS_DIR} of the project: the nearest "
        "directory with runbooks/, else the current one).",
    )(f)


def _store(runs_dir: Path | None) -> RunStore:
    """The run store of --runs-dir, or of the project around the current directory."""
    if runs_dir is not None:
        return RunStore(runs_dir)
    from drillkit.cli.project import find_project

    return RunStore(find_project(Path.cwd()).runs_dir)


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
    envvar="DRILLKIT_ATTACH",
    help="Use the twin started by `drillkit sandbox up --state-dir STATE_DIR`.",
)
@click.option(
    "--evidence-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where the evidence files go, one per format (default: {DEFAULT_EVIDENCE_DIR} of the "
    "drill's project: the nearest directory with runbooks/ above the drill, else the current one).",
)
@_runs_dir_option
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A jinja2 Markdown template for the evidence.",
)
@click.option(
    "--sign-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sign the JSON evidence with this SSH private key (ssh-keygen -Y sign, namespace "
    "evidence@drillkit); check it with ssh-keygen -Y verify or drillkit verify.",
)
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--override-window",
    is_flag=True,
    help="Run outside guards.window (needs --reason; journalled and shown in the evidence).",
)
@click.option("--reason", help="Why the window is overridden (with --override-window).")
@click.option(
    "--evidence-url",
    envvar="DRILLKIT_EVIDENCE_URL",
    help="Where the evidence is published (end notices link to it; default: the file path).",
)
@click.option(
    "--step",
    is_flag=True,
    help="Rehearse: stop at a gate before inject and restore and after detected, flipped and "
    "RTO, with the by-hand commands (needs a terminal).",
)
@click.pass_context
def run(
    ctx: click.Context,
    *,
    drill_path: Path,
    step: bool = False,
    yes: bool,
    attach: Path | None,
    evidence_dir: Path | None,
    runs_dir: Path | None,
    template: Path | None,
    sign_key: Path | None,
    output: str,
    override_window: bool,
    reason: str | None,
    evidence_url: str | None,
) -> None:
    """Run a failover drill: take the target region down, measure, restore, write evidence.

    Exit status: 0 pass, 1 objective missed, 2 bad usage, 3 preflight refused (nothing
    changed), 4 aborted and restored, 5 restore incomplete, 130 interrupted and restored.
    """
    from drillkit.cli.run_display import LiveProgress, Progress
    from drillkit.core.faults import describe
    from drillkit.engine.runner import Runner, RunOptions
    from drillkit.spec.loader import load_drill

    if override_window != bool(reason and reason.strip()):
        raise click.UsageError("--override-window and --reason TEXT go together")
    if step and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError("--step needs a terminal: each gate waits for a keypress")
    drill = load_drill(drill_path)
    if sign_key is not None:
        _check_sign_key(sign_key)
    evidence_dir, runs_dir = _project_dirs(drill_path, evidence_dir, runs_dir)
    where = "the sandbox twin" if drill.environment.sandbox else "REAL Azure and Kubernetes"
    _confirm(
        ctx,
        yes,
        f"Run drill {drill.metadata.name!r}: {drill.fault.type} region {drill.target} in {where}?",
    )
    live = output == "text" and sys.stdout.isatty() and not step
    progress: Progress = LiveProgress() if live else Progress(_progress_stream(output))
    progress.ask = describe(drill).ask
    wiring = wiring_of(ctx)
    with wiring.connect(drill, drill_path, attach) as conns, wiring.guards(drill) as guards:
        options = RunOptions(
            drill=drill,
            drill_path=drill_path,
            runs_dir=runs_dir,
            run_by=_who(),
            listener=progress,
            evidence_dir=evidence_dir,
            template=template,
            guards=guards,
            override_window_reason=reason if override_window else None,
            evidence_url=evidence_url,
        )
        if step:
            from drillkit.cli.step_gate import TerminalGate

            gate = TerminalGate(drill, drill_path, conns, explain=ctx.meta.get("explain"))
            options.gate, options.on_design = gate, gate.learn
        runner = Runner(options, conns)
        with progress if isinstance(progress, LiveProgress) else contextlib.nullcontext():
            result = runner.run()
    chain: list[str] = []
    if result.evidence:
        from drillkit.cli.evidence_finish import finish_evidence

        chain = finish_evidence(result.evidence, sign_key)
    _print_result(result, output)
    ctx.meta["drillkit.json_printed"] = output == "json"
    for line in chain:
        click.echo(f"  {line}", err=output == "json")
    ctx.exit(int(result.report.verdict.exit_code))


def _check_sign_key(key: Path) -> None:
    """A key that cannot sign is found only by trying it: a preflight refusal (exit 3)."""
    from drillkit.adapters.signing import check_key
    from drillkit.errors import AdapterError, PreflightRefused

    try:
        check_key(key)
    except AdapterError as e:
        raise PreflightRefused(str(e)) from e


def _progress_stream(output: str) -> Any:
    """Plain progress lines: on stdout for text; for JSON on stderr when a person watches it
    (stdout keeps its one JSON document), else nowhere."""
    if output == "text":
        return sys.stdout
    return sys.stderr if sys.stderr.isatty() else None


def _project_dirs(
    drill_path: Path, evidence_dir: Path | None, runs_dir: Path | None
) -> tuple[Path, Path]:
    """Evidence and runs next to the drill's project unless given; say where when defaulted."""
    from drillkit.cli.project import project_of_drill

    project = project_of_drill(drill_path)
    if evidence_dir is None:
        evidence_dir = project.evidence_dir
        click.echo(project.says("evidence", evidence_dir), err=True)
    if runs_dir is None:
        runs_dir = project.runs_dir
        click.echo(project.says("runs", runs_dir), err=True)
    return evidence_dir, runs_dir


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
        human = report.human
        if human is not None:  # a manual drill: the person's part, in measured seconds
            acted = human.time_to_act_s
            click.echo(
                f"  time to act: {acted:.1f}s from {human.since} (a person's time, not scaled)"
                if acted is not None
                else "  time to act: nobody acted"
            )
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
@click.option(
    "--scan",
    is_flag=True,
    help="No journal: find drillkit's markers (annotations, profile tags) and restore them.",
)
@click.option(
    "--drill", "drill_path", type=click.Path(dir_okay=False, path_type=Path),
    help="With --scan: the drill's clusters and Traffic Manager profile.",
)  # fmt: skip
@click.option(
    "--attach", type=click.Path(file_okay=False, path_type=Path), envvar="DRILLKIT_ATTACH",
    help="With --scan --drill: a sandbox drill's running twin.",
)  # fmt: skip
@click.option(
    "--context", "contexts", multiple=True,
    help="With --scan: a kubeconfig context to scan (repeat; `in-cluster`: the pod's own).",
)  # fmt: skip
@click.option("--kubeconfig", help="With --scan --context: the kubeconfig file.")
@click.pass_context
def restore(
    ctx: click.Context,
    *,
    run_ref: str | None,
    latest: bool,
    yes: bool,
    force: bool,
    runs_dir: Path | None,
    output: str,
    scan: bool,
    drill_path: Path | None,
    attach: Path | None,
    contexts: tuple[str, ...],
    kubeconfig: str | None,
) -> None:
    """Put back what a run changed, from its journal alone (safe to run twice); with --scan,
    from the markers it left in the world, with no journal at all.

    RUN_ID_OR_JOURNAL may be a unique prefix of a run id; --latest is the latest run whose
    restore is unfinished. An item is put back only while it holds the value drillkit wrote;
    anything else is drift, reported and left alone unless --force. Failed items are retried
    until the drill's restore.deadline. A first SIGINT/SIGTERM is announced and restore carries
    on; a second stops it and lists what is left. Exit status: 0 restored (or nothing to
    restore), 5 something is left for a human (listed).
    """
    if scan:
        from drillkit.cli.scan_command import restore_scan

        _confirm(ctx, yes, "Restore whatever drillkit's markers say a run changed?")
        restore_scan(
            wiring_of(ctx), drill_path=drill_path, attach=attach, contexts=contexts,
            kubeconfig=kubeconfig, force=force, runs_dir=_store(runs_dir).root,
        )  # fmt: skip
        return
    if run_ref is None and not latest:
        raise click.UsageError("name a run (RUN_ID_OR_JOURNAL) or pass --latest")
    from drillkit.cli.restore_command import run_restore

    run_restore(ctx, run_ref=run_ref, yes=yes, force=force, runs_dir=runs_dir, output=output)


@click.command()
@click.argument("run_ref", metavar="RUN_ID_OR_JOURNAL", required=False)
@click.option("--latest", is_flag=True, help="The most recent run under --runs-dir.")
@click.option(
    "--format", "fmt", type=click.Choice(list(RENDERERS)), default="md", show_default=True
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Render again from the journal with this template instead of showing the record.",
)
@_runs_dir_option
def report(
    run_ref: str | None, latest: bool, fmt: str, template: Path | None, runs_dir: Path | None
) -> None:
    """Show a run's evidence as it was written at run time, then anything recorded later.

    RUN_ID_OR_JOURNAL may be a unique prefix of a run id, or use --latest. When the evidence
    files are gone (or with --template) the evidence is rendered again from the journal.
    """
    from drillkit.cli.report_view import after_the_run_markdown, recorded_report
    from drillkit.cli.run_ref import resolve_run
    from drillkit.engine.journal_scan import scan_journal
    from drillkit.engine.reporting import report_from_journal
    from drillkit.evidence import render

    path = resolve_run(_store(runs_dir), run_ref, latest=latest)
    for problem in scan_journal(path).problems:
        click.echo(f"drillkit: {path}: unreadable {problem}", err=True)
    recorded = recorded_report(path, fmt) if template is None else None
    if recorded is not None:
        for warning in recorded.warnings:
            click.echo(f"drillkit: WARNING: {warning}", err=True)
        click.echo(recorded.text, nl=False)
        if recorded.later and fmt == "md":
            click.echo(after_the_run_markdown(recorded.later), nl=False)
        elif recorded.later:
            click.echo("after the run (from its journal):", err=True)
            for line in recorded.later:
                click.echo(f"  {line}", err=True)
        return
    try:
        click.echo(render(report_from_journal(path), fmt, template), nl=False)
    except ValueError as e:
        raise DrillkitError(f"cannot render {path}: {e}") from e
