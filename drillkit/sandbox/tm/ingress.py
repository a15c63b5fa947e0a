"""Region ingress: one HTTP server per region on its own loopback address, all on one port.

The health path answers 200 while the region's serving workloads have ready replicas, else 503;
every other path answers 200 with the region's name, as the region's application would.
With an SSL context, every region also serves HTTPS on a second shared port (``tls_port``),
with the sandbox's one certificate (its names include every ingress host and address).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping

from aiohttp import web

from drillkit.sandbox.data.store import CanaryHandler
from drillkit.sandbox.faults import FaultInjector

HealthSource = Callable[[str], bool]


class RegionIngress:
    """The ingress servers of every region, sharing one port."""

    def __init__(
        self,
        addresses: dict[str, str],
        health: HealthSource,
        *,
        health_path: str = "/healthz",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        faults: Mapping[str, FaultInjector] | None = None,
    ) -> None:
        self.faults = dict(faults or {})
        self.addresses = addresses
        self.ssl_context = ssl_context
        self.tls_port = 0
        self.health = health
        self.health_path = health_path
        self.port = port
        self._requested_port = port
        self._runners: list[web.AppRunner] = []
        self.canary: CanaryHandler | None = None
        """Serves ``/canary/...`` when set (the replicated store of ``drillkit.sandbox.data``)."""

    def _app(self, region: str) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            headers = {"X-Drillkit-Region": region}
            if request.path == self.health_path:
                healthy = self.health(region)
                text = f"{region} healthy\n" if healthy else f"{region} has no ready replicas\n"
                return web.Response(status=200 if healthy else 503, text=text, headers=headers)
            if self.canary is not None and request.path.startswith("/canary/"):
                return await self.canary(region, request)
            return web.Response(text=f"served by region {region}\n", headers=headers)

        injector = self.faults.get(region)
        middlewares = [injector.middleware(_fault_body)] if injector is not None else []
        app = web.Application(middlewares=middlewares)
        app.router.add_route("*", "/{tail:.*}", handle)
        return app

    async def start(self) -> None:
        """Bind every region; port 0 takes the first region's free port for all of them."""
        for _ in range(20):
            try:
                await self._bind_all()
                return
            except OSError:
                await self.stop()
                if self._requested_port:
                    raise
                self.port = 0
                self.tls_port = 0
        raise OSError("no port free on every ingress address")

    async def _bind_all(self) -> None:
        for region, address in self.addresses.items():
            runner = web.AppRunner(self._app(region), access_log=None)
            await runner.setup()
            self._runners.append(runner)
            site = web.TCPSite(runner, address, self.port)
            await site.start()
            if not self.port:
                self.port = int(runner.addresses[0][1])
            if self.ssl_context is not None:
                tls = web.TCPSite(runner, address, self.tls_port, ssl_context=self.ssl_context)
                await tls.start()
                if not self.tls_port:
                    self.tls_port = int(runner.addresses[-1][1])

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()


def _fault_body(status: int, request: web.Request) -> dict[str, object]:
    return {"error": f"injected fault {status} (sandbox ingress fault knobs)"}
