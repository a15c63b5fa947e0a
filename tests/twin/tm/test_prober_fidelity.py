"""The real prober against Microsoft's first-probe and status rules (issue 12, item 3)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.prober import Prober
from drillkit.sandbox.tm.state import Store
from tests.twin.tm.builders import endpoint, profile

HOST = "dead.sandbox.test"
ADDRESS = "127.0.0.5"
MONITOR = "https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring"


async def _server() -> tuple[web.AppRunner, int]:
    async def handle(request: web.Request) -> web.Response:
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, ADDRESS, 0).start()
    return runner, int(runner.addresses[0][1])


async def _until(check: Callable[[], bool], timeout: float) -> None:
    async def poll() -> None:
        while not check():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def test_monitor_config_change_does_not_put_a_dead_endpoint_back_into_checking() -> None:
    """MONITOR: CheckingEndpoint "is a temporary state that usually occurs immediately after adding
    or enabling an endpoint in the profile"; a monitorConfig PATCH neither adds nor enables one,
    so a Degraded endpoint stays Degraded (out of DNS) while the new settings take over."""

    async def main() -> list[str]:
        runner, port = await _server()
        store = Store()
        p = profile(store, "p", "Priority", endpoint("a", target=HOST, priority=1),
                    monitorConfig={"protocol": "HTTP", "port": port, "path": "/",
                                   "intervalInSeconds": 10, "timeoutInSeconds": 5,
                                   "toleratedNumberOfFailures": 0})  # fmt: skip
        prober = Prober(store, time_scale=0.01, hosts={HOST: ADDRESS})
        await prober.start()
        try:
            status = lambda: monitor.endpoint_status(store, p, p.endpoints[0])  # noqa: E731
            await _until(lambda: status() == monitor.DEGRADED, 5)
            seen: list[str] = []
            store.subscribe(lambda: seen.append(status()))
            p.properties["monitorConfig"] = {**p.monitor, "toleratedNumberOfFailures": 2}
            store.changed()
            await asyncio.sleep(0.5)
            return [status(), *seen]
        finally:
            await prober.stop()
            await runner.cleanup()

    statuses = asyncio.run(main())
    assert set(statuses) == {monitor.DEGRADED}, MONITOR


def test_reenabled_endpoint_checks_again_and_a_failed_first_probe_degrades_it() -> None:
    """MONITOR: CheckingEndpoint "usually occurs immediately after adding or enabling an endpoint";
    the result of its first probe ends it (a dead endpoint is Degraded, not served as Checking)."""

    async def main() -> int:
        runner, port = await _server()
        store = Store()
        p = profile(store, "p", "Priority", endpoint("a", target=HOST, priority=1),
                    monitorConfig={"protocol": "HTTP", "port": port, "path": "/",
                                   "intervalInSeconds": 10, "timeoutInSeconds": 5,
                                   "toleratedNumberOfFailures": 3})  # fmt: skip
        prober = Prober(store, time_scale=0.01, hosts={HOST: ADDRESS})
        probes_until_degraded: list[int] = []

        def watch() -> None:
            if monitor.endpoint_status(store, p, p.endpoints[0]) == monitor.DEGRADED:
                probes_until_degraded.append(len(prober.timings) + 1)

        store.subscribe(watch)
        await prober.start()
        try:
            await _until(lambda: bool(probes_until_degraded), 5)
            return probes_until_degraded[0]
        finally:
            await prober.stop()
            await runner.cleanup()

    # Straight from CheckingEndpoint to Degraded on the first (failed) probe result.
    assert asyncio.run(main()) == 1, MONITOR
