"""``drillkit sandbox tour``: the default drill with ``--step`` against a fresh twin, each step
explained in plain words. The first thing a new on-call engineer should run."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from drillkit.exitcodes import ExitCode

INTRO = """\
Welcome to the drillkit tour.

A fresh sandbox starts on this machine: two Kubernetes clusters (us and eu), a Traffic Manager
profile with a real health prober, and a DNS server that answers like Traffic Manager does.
Nothing here touches Azure or a real cluster.

The drill takes the us region down (it cordons and drains every us node), watches Traffic
Manager notice it and DNS move clients to eu, measures the recovery time (RTO), then puts
everything back. It stops at each step: press Enter to go on, `a` to abort (drillkit restores
what it changed), `?` to read the runbook's section for the step. At each stop, paste the
commands shown into another terminal: in a real incident, they are what you would look at.
"""

EXPLAIN = {
    "inject": "First step. The baseline is healthy: each client population is answered by its "
    "usual region. Next drillkit causes the outage; note the time, as you would in an incident.",
    "detected": "Step: detection. Traffic Manager's prober failed its health checks on the us "
    "endpoint and marked it Degraded. In production this is where your alert would fire.",
    "flipped": "Step: DNS flip. A client population is now answered by eu. Others may still "
    "hold the old answer until their DNS cache (the TTL) runs out.",
    "rto": "Step: recovery. Every client population is served by eu and its health check "
    "passes: the time since the outage began is the RTO users saw.",
    "restore": "Last step. drillkit now puts back exactly what it changed, from its journal, "
    "then waits for traffic to return to us (failback) and writes the evidence.",
}

OUTRO = """\
That was the whole drill. The evidence file above is what you attach to the change record;
`drillkit report --latest` shows it again. Next: read runbooks/regional-failover.md, then try
`drillkit run drills/sandbox/eu-outage.yaml --step` in the project the tour left behind.
"""


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the tour's project goes (default: a new temporary directory).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite starter files in --dir that differ from the shipped ones.",
)
@click.pass_context
def tour(ctx: click.Context, directory: Path | None, force: bool) -> None:
    """Rehearse the default sandbox drill step by step, each step explained (needs a terminal).

    The first thing a new on-call engineer should run.
    """
    from drillkit.cli.run_commands import run
    from drillkit.cli.starter import copy_starter

    changed = _changed_starter_files(directory) if directory is not None else []
    if changed and not force:
        click.echo(
            "drillkit: the tour would overwrite your changes to "
            + ", ".join(str(p) for p in changed)
            + "; nothing was changed: pass --force to overwrite them, or another --dir",
            err=True,
        )
        ctx.exit(ExitCode.USAGE)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        click.echo("drillkit: the tour needs a terminal: it waits for a keypress", err=True)
        ctx.exit(ExitCode.USAGE)
    project = directory or Path(tempfile.mkdtemp(prefix="drillkit-tour-"))
    copy_starter(project, force=True)  # the same files, or the user said --force
    click.echo(INTRO)
    click.echo(f"(the tour's project: {project})")
    ctx.meta["explain"] = EXPLAIN
    code = 0
    try:
        ctx.invoke(run, drill_path=project / "drills" / "sandbox" / "us-outage.yaml", yes=True,
                   step=True, attach=None, evidence_dir=None, runs_dir=None, template=None,
                   sign_key=None, output="text", override_window=False, reason=None,
                   evidence_url=None)  # fmt: skip
    except click.exceptions.Exit as e:
        code = e.exit_code
    if code in (0, 1):
        click.echo()
        click.echo(OUTRO)
    ctx.exit(code)


def _changed_starter_files(directory: Path) -> list[Path]:
    """The starter files already in ``directory`` that differ from the shipped ones (the user's
    edits, which the tour must not overwrite silently)."""
    from drillkit.cli.starter import STARTER_FILES, starter_root

    root = starter_root()
    changed = []
    for relative in STARTER_FILES:
        path = directory / relative
        if not path.exists() and not path.is_symlink():
            continue
        try:
            same = path.read_bytes() == (root / relative).read_bytes()
        except OSError:
            same = False
        if not same:
            changed.append(path)
    return changed
