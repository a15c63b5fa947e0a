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
    from drillkit.adapters.guard_ports import Alerts
    from drillkit.adapters.ports import Cluster
    from drillkit.engine.guards import GuardAdapters
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
def reconnected(
    info: ConnectionInfo, drill: Drill, needs: frozenset[str]
) -> Iterator[Connections | None]:
    """Reconnect to what a journalled run used, only the adapters in ``needs``; None when its
    embedded sandbox is gone."""
    from drillkit.adapters import connect

    conns = connect.reconnect(info, drill, needs=needs)
    if conns is None:
        yield None
        return
    try:
        yield conns
    finally:
        conns.close()


@contextlib.contextmanager
def guard_adapters(drill: Drill) -> Iterator[GuardAdapters]:
    """Alertmanager, webhooks and the Pushgateway, for the guards the drill configures."""
    from drillkit.adapters.alertmanager import AlertmanagerClient
    from drillkit.adapters.pushgateway import PushgatewaySink
    from drillkit.adapters.webhooks import WebhookNotifier
    from drillkit.engine.guards import GuardAdapters

    am = drill.guards.alertmanager
    alerts = AlertmanagerClient(am.url) if am is not None else None
    push = drill.export.pushgateway
    try:
        yield GuardAdapters(
            alerts=alerts,
            notifier=WebhookNotifier(drill.notify.webhooks) if drill.notify.webhooks else None,
            metrics=PushgatewaySink(push.url, push.job) if push is not None else None,
        )
    finally:
        if alerts is not None:
            alerts.close()


def alertmanager_at(url: str) -> Alerts:
    """An Alertmanager client for a journalled silence (restore from the journal alone)."""
    from drillkit.adapters.alertmanager import AlertmanagerClient

    return AlertmanagerClient(url)


@contextlib.contextmanager
def context_clusters(contexts: list[str], kubeconfig: str | None) -> Iterator[dict[str, Cluster]]:
    """One cluster per kubeconfig context (``in-cluster``: the pod's own), keyed by context."""
    from drillkit.adapters.kube import KubeCluster

    clusters: dict[str, Cluster] = {}
    try:
        for context in contexts:
            clusters[context] = KubeCluster(context, kubeconfig)
        yield clusters
    finally:
        for cluster in clusters.values():
            cluster.close()


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
        [ConnectionInfo, Drill, frozenset[str]],
        contextlib.AbstractContextManager[Connections | None],
    ] = reconnected
    """Adapters for a journalled run's world (``restore``): only those its items need."""
    guards: Callable[[Drill], contextlib.AbstractContextManager[GuardAdapters]] = guard_adapters
    """The guard rails' adapters for a drill (``run``)."""
    alerts: Callable[[str], Alerts] = alertmanager_at
    """Alertmanager at a journalled URL (``restore`` expires a run's silence)."""
    clusters: Callable[
        [list[str], str | None], contextlib.AbstractContextManager[dict[str, Cluster]]
    ] = context_clusters
    """Clusters by kubeconfig context (``restore --scan --context``)."""


def wiring_of(ctx: click.Context) -> Wiring:
    """The wiring in ``ctx.obj`` (the default one when there is none)."""
    found = ctx.find_object(Wiring)
    return found if found is not None else Wiring()
