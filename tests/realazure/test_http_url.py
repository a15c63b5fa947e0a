"""observe.http.url is used exactly as written: scheme, port, path and query kept, sent to the
answered region with the URL's host as Host (and as the TLS server name)."""

from __future__ import annotations

import asyncio

from drillkit.adapters.http import HttpxProbe
from drillkit.adapters.ports import IngressAddress, Target


async def _serve_once() -> tuple[asyncio.Server, int, list[bytes]]:
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], seen


def test_scheme_port_and_query_reach_the_answered_region() -> None:
    """Problem 11: http://shop.example.test:PORT/healthz?deep=1 checked through the region at
    127.0.0.1 asks that address on PORT over http for /healthz?deep=1, Host shop.example.test:PORT
    (round 1 sent https://127.0.0.1/healthz)."""

    async def run() -> tuple[int | None, list[bytes]]:
        server, port, seen = await _serve_once()
        probe = HttpxProbe(timeout_s=2.0)
        try:
            url = f"http://shop.example.test:{port}/healthz?deep=1"
            result = await probe.check(Target("127.0.0.1", url=url))
        finally:
            await probe.aclose()
            server.close()
            await server.wait_closed()
        return result.status, seen

    status, seen = asyncio.run(run())
    request = seen[0].decode()
    assert status == 200
    assert request.startswith("GET /healthz?deep=1 HTTP/1.1\r\n"), request
    assert "\r\nhost: shop.example.test:" in request.lower()


def test_https_urls_keep_their_server_name_for_sni() -> None:
    """An https URL sent to an answered host name keeps the URL's port and query and asks TLS
    for the URL's host name (SNI and certificate check), not the ingress name."""
    probe = HttpxProbe()
    try:
        url, headers, extensions = probe.url_for(
            Target("eastus.storefront.example.com", url="https://storefront.example.com:8443/h?x=1")
        )
    finally:
        asyncio.run(probe.aclose())
    assert url == "https://eastus.storefront.example.com:8443/h?x=1"
    assert headers == {"Host": "storefront.example.com:8443"}
    assert extensions == {"sni_hostname": "storefront.example.com"}


def test_a_sandbox_override_keeps_path_and_query() -> None:
    """In the sandbox the ingress is a loopback address; the URL's path and query still go."""
    probe = HttpxProbe(overrides={"us.ingress.test": IngressAddress("127.0.0.2", 8080)})
    try:
        url, headers, _ = probe.url_for(
            Target("us.ingress.test", url="https://shop.test/healthz?deep=1")
        )
    finally:
        asyncio.run(probe.aclose())
    assert url == "http://127.0.0.2:8080/healthz?deep=1" and headers == {"Host": "shop.test"}
