"""Real probes against a loopback server: status ranges, redirects, headers, timeouts, TCP."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from drillkit.sandbox.tm.prober import Prober, ProbeSpec
from drillkit.sandbox.tm.state import Store
from drillkit.sandbox.tm.tls import make_server_tls
from tests.twin.tm.builders import endpoint, profile

HOST = "probe.sandbox.test"
ADDRESS = "127.0.0.4"


async def _app_server(context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, int]:
    async def handle(request: web.Request) -> web.Response:
        path = request.path
        if path == "/redirect":
            raise web.HTTPFound("/ok")
        if path == "/teapot":
            return web.Response(status=418)
        if path == "/slow":
            await asyncio.sleep(0.5)
        if path == "/headers" and (
            request.headers.get("Host") != "app.example" or request.headers.get("X-Probe") != "1"
        ):
            return web.Response(status=400)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, ADDRESS, 0, ssl_context=context).start()
    return runner, int(runner.addresses[0][1])


def _probe(context: ssl.SSLContext | None = None, **changes: Any) -> bool:
    async def main() -> bool:
        runner, port = await _app_server(context)
        prober = Prober(Store(), time_scale=1.0, hosts={HOST: ADDRESS})
        await prober.start()
        try:
            spec = ProbeSpec(
                target=HOST, protocol="HTTP", port=port, path="/ok", interval=10,
                timeout=0.3, tolerated=3, ranges=((200, 200),), headers=(),
            )  # fmt: skip
            spec = dataclasses.replace(spec, **changes)
            return await prober.probe(spec)
        finally:
            await prober.stop()
            await runner.cleanup()

    return asyncio.run(main())


def test_200_is_success() -> None:
    """A 200 on the probe path is a success."""
    assert _probe() is True


def test_https_probe_does_not_validate_the_certificate(tmp_path: Path) -> None:
    """HTTPS probes succeed against a certificate no public CA signed, as Traffic Manager's do."""
    context, _ = make_server_tls(tmp_path)
    assert _probe(context, protocol="HTTPS") is True
    assert _probe(context, protocol="HTTP") is False


def test_redirect_is_failure() -> None:
    """A 302 is a failure: the prober never follows redirects."""
    assert _probe(path="/redirect") is False


def test_expected_status_code_ranges_widen_success() -> None:
    """A 418 fails by default and succeeds inside expectedStatusCodeRanges."""
    assert _probe(path="/teapot") is False
    assert _probe(path="/teapot", ranges=((200, 200), (400, 499))) is True


def test_custom_headers_including_host_are_sent() -> None:
    """Custom headers, Host included, reach the endpoint."""
    assert _probe(path="/headers") is False
    assert _probe(path="/headers", headers=(("Host", "app.example"), ("X-Probe", "1"))) is True


def test_timeout_is_failure() -> None:
    """A response slower than the timeout is a failure."""
    assert _probe(path="/slow", timeout=0.2) is False


def test_tcp_probe_needs_an_open_port() -> None:
    """TCP succeeds on a listening port and fails on a closed one."""
    assert _probe(protocol="TCP") is True
    with socket.socket() as sock:
        sock.bind((ADDRESS, 0))
        closed = sock.getsockname()[1]
    assert _probe(protocol="TCP", port=closed) is False


def test_non_loopback_targets_fail_without_traffic() -> None:
    """Targets outside the sandbox (names or public addresses) fail before any connection."""
    assert _probe(target="8.8.8.8") is False
    assert _probe(target="www.example.com") is False


def test_probe_loop_degrades_after_tolerated_failures() -> None:
    """Once Online, the loop marks Degraded on failure tolerated + 1, on the scaled interval."""

    async def main() -> list[tuple[float, bool]]:
        runner, port = await _app_server()
        store = Store()
        p = profile(store, "p", "Priority", endpoint("a", target=HOST, priority=1),
                    monitorConfig={"protocol": "HTTP", "port": port, "path": "/ok",
                                   "intervalInSeconds": 10, "timeoutInSeconds": 5,
                                   "toleratedNumberOfFailures": 2})  # fmt: skip
        prober = Prober(store, time_scale=0.01, hosts={HOST: ADDRESS})
        states: list[str] = []
        store.subscribe(lambda: states.extend(store.probe_states.values()))
        await prober.start()
        await _until(lambda: "Online" in states, 3)
        p.properties["monitorConfig"] = {**p.monitor, "path": "/teapot"}
        store.changed()
        await _until(lambda: "Degraded" in states, 3)
        await prober.stop()
        await runner.cleanup()
        return [(t.applied - t.scheduled, t.success) for t in prober.timings]

    timings = asyncio.run(main())
    assert [ok for _, ok in timings][:4] == [True, False, False, False]
    # Results land right after their scheduled time (bench/tm_twin.py measures how closely).
    assert all(0 <= lag < 0.25 for lag, _ in timings)


async def _until(check: Callable[[], bool], timeout: float) -> None:
    async def poll() -> None:
        while not check():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)
