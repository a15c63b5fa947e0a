"""``drillkit sandbox``: run the offline two-region twin in the foreground, or copy a starter."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click

from drillkit.cli.tour import tour
from drillkit.exitcodes import ExitCode


@click.group()
def sandbox() -> None:
    """Run the offline two-region twin (Kubernetes API twins, Traffic Manager, DNS)."""


@sandbox.command()
@click.option(
    "--world",
    "world_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="World file (default: the built-in two-region world).",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".sandbox"),
    show_default=True,
    help="Where kubeconfig and world.json are written (one running sandbox per directory).",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of API requests answered 429/500/503.",
)
@click.option(
    "--fault-latency",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Up to this many milliseconds of added latency per API request.",
)
@click.pass_context
def up(
    ctx: click.Context,
    world_file: Path | None,
    state_dir: Path,
    fault_rate: float,
    fault_latency: float,
) -> None:
    """Start the twin; print how to use it; stop cleanly on Ctrl-C or SIGTERM.

    Exit status 2 when another sandbox already runs on the same --state-dir (its PID is named).
    """
    # Until the event loop takes the signals over, a signal during start-up ends quietly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _quit)
    from drillkit.cli.sandbox_lock import StateDirBusy, lock_state_dir
    from drillkit.cli.starter import default_world
    from drillkit.sandbox.world import load_world

    world = load_world(world_file or default_world())
    try:
        lock = lock_state_dir(state_dir)
    except StateDirBusy as busy:
        click.echo(f"drillkit: {busy}", err=True)
        ctx.exit(ExitCode.USAGE)
    with lock:
        # A poller waits for world.json to appear: never let it see the previous run's file.
        (state_dir / "world.json").unlink(missing_ok=True)
        asyncio.run(_serve(world, state_dir, fault_rate, fault_latency))


def _quit(signum: int, frame: object) -> None:
    raise SystemExit(0)


async def _serve(world: object, state_dir: Path, fault_rate: float, latency: float) -> None:
    from drillkit.cli.sandbox_hints import ready_lines
    from drillkit.sandbox.runtime import Sandbox
    from drillkit.sandbox.world import World

    assert isinstance(world, World)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    box = Sandbox(world, state_dir)
    try:
        await box.start(fault_rate, latency)
        await box.settled()
        click.echo("\n".join(ready_lines(world, box.info, box.ready_line())))
        await stop.wait()
    finally:
        await box.stop()
        # The kubeconfig names servers that are gone now: leave no stale one behind.
        kubeconfig = box.info.get("kubeconfig")
        if isinstance(kubeconfig, str):
            Path(kubeconfig).unlink(missing_ok=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    click.echo("sandbox stopped (kubeconfig removed)", err=True)


@sandbox.command()
@click.argument(
    "directory", required=False, default=Path("."), type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--force", is_flag=True, help="Overwrite starter files that already exist.")
@click.pass_context
def init(ctx: click.Context, directory: Path, force: bool) -> None:
    """Copy the starter project into DIRECTORY: the default world, two drills and a runbook.

    Then: drillkit run drills/sandbox/us-outage.yaml --yes
    """
    from drillkit.cli.starter import copy_starter

    try:
        written = copy_starter(directory, force)
    except FileExistsError as e:
        click.echo(f"drillkit: not overwriting {e} (use --force)", err=True)
        ctx.exit(ExitCode.USAGE)
    for path in written:
        click.echo(f"wrote {path}")
    drill = directory / "drills" / "sandbox" / "us-outage.yaml"
    click.echo(f"next: drillkit run {drill} --yes")


sandbox.add_command(tour)
