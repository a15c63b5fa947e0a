"""The controllers of a hostile world, one module each, driven by one loop per cluster twin.

A world turns each on in its ``reconcilers:`` section (``strays:`` seeds pods and runs no
loop). Each reconciler implements ``base.Reconciler``: ``seed`` once when the twin starts,
then ``tick`` on the twin's event loop every ``interval``; its writes carry its field manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from drillkit.sandbox.kube.reconcilers.autoscaler import ClusterAutoscaler
from drillkit.sandbox.kube.reconcilers.base import Reconciler
from drillkit.sandbox.kube.reconcilers.flux import Flux
from drillkit.sandbox.kube.reconcilers.gitops import GitOps
from drillkit.sandbox.kube.reconcilers.keda import Keda
from drillkit.sandbox.kube.reconcilers.strays import Strays
from drillkit.sandbox.kube.store import Store
from drillkit.sandbox.world import World

log = logging.getLogger("drillkit.sandbox.kube")


def reconcilers_for(world: World, region: str) -> list[Reconciler]:
    """The reconcilers a world turns on, in a fixed order."""
    chosen = world.reconcilers
    out: list[Reconciler] = []
    if world.strays is not None:
        out.append(Strays(world.strays))
    if chosen.gitops is not None:
        out.append(GitOps(world, chosen.gitops))
    if chosen.flux is not None:
        out.append(Flux(world, chosen.flux))
    if chosen.keda is not None:
        out.append(Keda(chosen.keda))
    if chosen.cluster_autoscaler is not None:
        out.append(ClusterAutoscaler(world, region, chosen.cluster_autoscaler))
    return out


class ReconcilerLoop:
    """Seeds every reconciler, then ticks them until stopped."""

    def __init__(
        self,
        store: Store,
        reconcilers: list[Reconciler],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.reconcilers = reconcilers
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def seed(self) -> None:
        for reconciler in self.reconcilers:
            reconciler.seed(self.store)

    def start(self) -> None:
        looping = [r for r in self.reconcilers if not isinstance(r, Strays)]
        if looping:
            self._task = asyncio.get_running_loop().create_task(self._run(looping))

    async def _run(self, looping: list[Reconciler]) -> None:
        period = min(r.interval for r in looping)
        while True:
            await asyncio.sleep(period)
            now = self.clock()
            for reconciler in looping:
                try:
                    reconciler.tick(self.store, now)
                except Exception:  # a reconciler bug must not stop the others
                    log.exception("sandbox.kube.reconciler_failed %s", type(reconciler).__name__)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
