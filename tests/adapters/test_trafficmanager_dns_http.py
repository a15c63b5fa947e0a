"""The Traffic Manager (unmodified SDK), DNS (ECS) and HTTP adapters against the twins."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from drillkit.adapters.bundle import Connections
from drillkit.adapters.credentials import StaticTokenCredential
from drillkit.adapters.dns import EcsResolver
from drillkit.adapters.http import HttpxProbe
from drillkit.adapters.ports import IngressAddress, Target
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.errors import PermanentAdapterError, TransientAdapterError
from drillkit.sandbox.runtime import SandboxThread


def test_profile_tree_with_nested_children(conns: Connections) -> None:
    """endpoints() walks the Geographic parent into both nested Priority children."""
    endpoints = conns.traffic_manager.endpoints()
    keys = {e.key for e in endpoints}
    assert {"myapp/NestedEndpoints/na", "myapp-na/ExternalEndpoints/us"} <= keys
    nested = next(e for e in endpoints if e.key == "myapp/NestedEndpoints/na")
    assert nested.child_profile == "myapp-na"
    leaf = next(e for e in endpoints if e.key == "myapp-na/ExternalEndpoints/us")
    assert leaf.target == "us.ingress.sandbox.test" and leaf.monitor_status in (
        "Online", "CheckingEndpoint",
    )  # fmt: skip
    assert conns.fqdn == "myapp.trafficmanager.net"


def test_one_profile_of_the_tree_is_read_alone(conns: Connections) -> None:
    """profile_endpoints() returns exactly that profile's endpoints of the tree, as endpoints()
    reads them (a GET of that profile only: a nested one is listed, its child not walked)."""
    tm = conns.traffic_manager
    tree = tm.endpoints()
    for profile in ("myapp", "myapp-na", "myapp-eu"):
        alone = tm.profile_endpoints(profile)
        assert alone and [e.key for e in alone] == [e.key for e in tree if e.profile == profile]
    assert {e.child_profile for e in tm.profile_endpoints("myapp")} == {"myapp-na", "myapp-eu"}


def test_disable_and_enable_an_endpoint(conns: Connections) -> None:
    """set_endpoint_status PATCHes endpointStatus through the SDK."""
    tm = conns.traffic_manager
    tm.set_endpoint_status("myapp-eu", "ExternalEndpoints", "us", "Disabled")
    try:
        found = {e.key: e for e in tm.endpoints()}["myapp-eu/ExternalEndpoints/us"]
        assert found.endpoint_status == "Disabled"
    finally:
        tm.set_endpoint_status("myapp-eu", "ExternalEndpoints", "us", "Enabled")
    found = {e.key: e for e in tm.endpoints()}["myapp-eu/ExternalEndpoints/us"]
    assert found.endpoint_status == "Enabled"


def test_unknown_profile_is_a_permanent_error(sandbox: SandboxThread) -> None:
    """A 404 from ARM becomes PermanentAdapterError, the body cut short and token-free."""
    info = sandbox.info["trafficManager"]
    tm = AzureTrafficManager(
        StaticTokenCredential(info["token"]), info["subscriptionId"], info["resourceGroup"],
        "no-such-profile", base_url=info["armUrl"], ca_file=info.get("caFile"),
    )  # fmt: skip
    try:
        with pytest.raises(PermanentAdapterError) as error:
            tm.endpoints()
        assert error.value.status == 404 and info["token"] not in str(error.value)
    finally:
        tm.close()


def test_throttling_is_retried_then_reported_as_transient(
    sandbox: SandboxThread, conns: Connections
) -> None:
    """With every ARM call failing (429/5xx), the bounded retry gives up with a transient error."""
    admin = sandbox.info["admin"]["url"] + "/faults"

    def faults(body: dict[str, float] | None) -> None:
        data = json.dumps(body).encode() if body is not None else None
        method = "POST" if body is not None else "DELETE"
        request = urllib.request.Request(admin, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {sandbox.info['admin']['token']}")
        urllib.request.urlopen(request, timeout=5).close()

    faults({"rate": 1.0, "latencyMs": 0})
    try:
        with pytest.raises(TransientAdapterError) as error:
            conns.traffic_manager.endpoints()
        assert error.value.status in (429, 500, 503)
    finally:
        faults(None)


def test_ecs_answers_follow_the_client_subnet(conns: Connections) -> None:
    """New York's subnet is answered by us, Paris's by eu, through the geographic profile."""

    async def ask() -> tuple[object, object, object]:
        resolver = conns.resolver
        assert isinstance(resolver, EcsResolver)
        try:
            return await asyncio.gather(
                resolver.resolve(conns.fqdn, "24.1.2.0/24"),
                resolver.resolve(conns.fqdn, "128.7.8.0/24"),
                resolver.resolve("nope.trafficmanager.net", "24.1.2.0/24"),
            )
        finally:
            await resolver.aclose()

    ny, paris, missing = asyncio.run(ask())
    assert "us.ingress.sandbox.test" in ny.targets  # type: ignore[attr-defined]
    assert "eu.ingress.sandbox.test" in paris.targets  # type: ignore[attr-defined]
    assert ny.ttl is not None  # type: ignore[attr-defined]
    assert missing.rcode == "NXDOMAIN"  # type: ignore[attr-defined]


def test_unanswered_dns_is_a_timeout_answer() -> None:
    """A silent name server yields rcode TIMEOUT, not an exception."""

    async def ask() -> object:
        resolver = EcsResolver([("127.0.0.1", 9)], timeout_s=0.2)
        try:
            return await resolver.resolve("myapp.trafficmanager.net", "24.1.2.0/24")
        finally:
            await resolver.aclose()

    answer = asyncio.run(ask())
    assert answer.rcode == "TIMEOUT"  # type: ignore[attr-defined]


def test_http_check_goes_to_the_ingress_with_the_host_header(
    conns: Connections,
) -> None:
    """The probe connects to the region's loopback ingress and sends the profile's name."""

    async def check() -> tuple[object, object]:
        probe = HttpxProbe(
            overrides={**conns.ingress_overrides, "dead.test": IngressAddress("127.0.0.1", 9)},
            timeout_s=1.0,
        )
        try:
            return await asyncio.gather(
                probe.check(Target("eu.ingress.sandbox.test", conns.fqdn, "/healthz")),
                probe.check(Target("dead.test", conns.fqdn, "/healthz")),
            )
        finally:
            await probe.aclose()

    ok, dead = asyncio.run(check())
    assert ok.status == 200  # type: ignore[attr-defined]
    assert dead.status is None and dead.error  # type: ignore[attr-defined]
