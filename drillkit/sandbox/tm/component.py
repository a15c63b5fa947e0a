"""Plugs the Traffic Manager twin into ``drillkit.sandbox.runtime.Sandbox`` as a component."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from drillkit.sandbox.tm.arm_validation import ArmError
from drillkit.sandbox.world import World

if TYPE_CHECKING:
    from aiohttp import web

    from drillkit.sandbox.context import SandboxContext
    from drillkit.sandbox.tm.twin import TrafficManagerTwin

SETTLE_S = 10.0
_FAULT_CODES = {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}


def arm_fault_body(status: int, request: web.Request) -> dict[str, Any]:
    """The ARM error body of an injected fault."""
    code = _FAULT_CODES.get(status, "InternalServerError")
    return ArmError(status, code, f"Injected fault: {code} (sandbox fault knobs).").body()


class TrafficManagerComponent:
    """Starts the twin with health from the kube twins and the shared fault injectors."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.twin: TrafficManagerTwin | None = None

    async def start(self, ctx: SandboxContext) -> Mapping[str, Any]:
        from drillkit.sandbox.tm.twin import TrafficManagerTwin

        def healthy(region: str) -> bool:
            kube = ctx.kube[region]
            return all(
                kube.ready_replicas(w.namespace, w.kind, w.name) > 0
                for w in self.world.regions[region].serving
            )

        # The world was serving before anyone looked: let every region become healthy before the
        # first probe, or a first probe would find pods still starting and degrade at once.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_S
        while not all(healthy(r) for r in self.world.regions) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        arm_faults = ctx.faults("arm")
        self.twin = TrafficManagerTwin(
            self.world,
            state_dir=ctx.state_dir,
            health=healthy,
            faults={
                **{f"kube:{region}": knobs for region, knobs in ctx.region_faults.items()},
                "arm": arm_faults,
            },
            shared_faults=[ctx.faults("kube")],
            arm_middlewares=[arm_faults.middleware(arm_fault_body)],
            authority=ctx.authority,
            ca_file=ctx.ca_file,
        )
        await self.twin.start()
        return self.twin.world_keys()

    async def stop(self) -> None:
        if self.twin is not None:
            await self.twin.stop()
            self.twin = None
