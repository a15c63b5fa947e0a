"""``drillkit sandbox``: run the offline two-region twin in the foreground."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import click


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
    help="Where kubeconfig and world.json are written.",
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
def up(world_file: Path | None, state_dir: Path, fault_rate: float, fault_latency: float) -> None:
    """Start the twin; print how to use it; stop cleanly on Ctrl-C or SIGTERM."""
    # Until the event loop takes the signals over, a signal during start-up ends quietly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _quit)
    from drillkit.sandbox.world import load_world

    # A poller waits for world.json to appear: never let it see the previous run's file.
    (state_dir / "world.json").unlink(missing_ok=True)
    world = load_world(world_file)
    asyncio.run(_serve(world, state_dir, fault_rate, fault_latency))


def _quit(signum: int, frame: object) -> None:
    raise SystemExit(0)


async def _serve(world: object, state_dir: Path, fault_rate: float, latency: float) -> None:
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
        click.echo(box.ready_line())
        await stop.wait()
    finally:
        await box.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    click.echo("sandbox stopped", err=True)
