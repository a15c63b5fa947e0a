"""Building a drill's adapters for a command: the CLI is the composition root.

The adapters (and through them the SDKs) are imported when a command needs them, never at
start-up, so that ``drillkit --help`` and ``drillkit validate`` stay fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from drillkit.adapters.bundle import ConnectionInfo, Connections
    from drillkit.spec.model import Drill


@contextlib.contextmanager
def drill_connections(drill: Drill, drill_path: Path, attach: Path | None) -> Iterator[Connections]:
    """Adapters for the drill's environment; a sandbox drill starts its twin unless attached."""
    from drillkit.adapters import connect

    with contextlib.ExitStack() as stack:
        if drill.environment.sandbox is None:
            if attach is not None:
                raise click.UsageError("--attach is for sandbox drills; this drill targets Azure")
            conns = connect.connect_azure(drill)
        elif attach is not None:
            conns = connect.connect_sandbox(drill, connect.read_world_info(attach))
        else:
            from drillkit.sandbox.runtime import SandboxThread
            from drillkit.sandbox.world import load_world

            world = load_world(drill_path.parent / drill.environment.sandbox.world)
            box = stack.enter_context(SandboxThread(world))
            box.run(box.sandbox.settled())  # start from a healthy world, as a real one would be
            conns = connect.connect_sandbox(drill, box.info)
        stack.callback(conns.close)
        yield conns


@contextlib.contextmanager
def reconnected(info: ConnectionInfo, drill: Drill) -> Iterator[Connections | None]:
    """Reconnect to what a journalled run used; None when its embedded sandbox is gone."""
    from drillkit.adapters import connect

    conns = connect.reconnect(info, drill)
    if conns is None:
        yield None
        return
    try:
        yield conns
    finally:
        conns.close()


@dataclass(frozen=True)
class Wiring:
    """The composition root as an object in click's ``ctx.obj`` (kopf passes ``CLIControls`` the
    same way): ``drillkit`` builds the default; a test passes its own to
    ``CliRunner().invoke(cli, args, obj=Wiring(connect=...))`` to run commands on fakes."""

    connect: Callable[
        [Drill, Path, Path | None], contextlib.AbstractContextManager[Connections]
    ] = drill_connections
    """Adapters for a drill (``run``, ``plan --inspect``)."""
    reconnect: Callable[
        [ConnectionInfo, Drill], contextlib.AbstractContextManager[Connections | None]
    ] = reconnected
    """Adapters for a journalled run's world (``restore``)."""


def wiring_of(ctx: click.Context) -> Wiring:
    """The wiring in ``ctx.obj`` (the default one when there is none)."""
    found = ctx.find_object(Wiring)
    return found if found is not None else Wiring()
