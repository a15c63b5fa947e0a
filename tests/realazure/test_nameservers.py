"""Name servers discovered from the profile zone's NS records (A and AAAA), every one asked,
which answered recorded; answers for IP targets map to regions by A/AAAA."""

from __future__ import annotations

import asyncio

import pytest

from drillkit.adapters.dns import (
    EcsResolver,
    discover_nameservers,
    nameserver_addresses,
    system_resolver,
)
from drillkit.core.design import region_of_answer
from drillkit.errors import PreflightRefused
from tests.realazure.fakedns import serve

ZONE = "trafficmanager.test."
RECORDS = {
    (ZONE, "NS"): ["tm1.trafficmanager.test.", "tm2.trafficmanager.test."],
    ("tm1.trafficmanager.test.", "A"): ["127.0.0.1"],
    ("tm2.trafficmanager.test.", "A"): ["127.0.0.9"],  # nothing listens there
    ("tm2.trafficmanager.test.", "AAAA"): ["::1"],
    ("myapp.trafficmanager.test.", "A"): ["20.51.4.10"],
}
INGRESSES = {"us": ("20.51.4.10", "us.ingress.test"), "eu": ("eu.ingress.test",)}


def test_the_zone_s_servers_are_discovered_with_a_and_aaaa() -> None:
    """Problem 10: with observe.nameservers omitted, the zone's NS records are found through
    the (configurable) system resolver, and each server's A and AAAA addresses are kept."""
    with serve(RECORDS, ["127.0.0.1", "::1"]) as port:
        resolver = system_resolver(("127.0.0.1", port), timeout_s=2)
        zone, servers = discover_nameservers("myapp.trafficmanager.test", resolver, port=port)
    assert zone == "trafficmanager.test"
    assert [(s.name, s.address) for s in servers] == [
        ("tm1.trafficmanager.test", "127.0.0.1"),
        ("tm2.trafficmanager.test", "127.0.0.9"),
        ("tm2.trafficmanager.test", "::1"),
    ]


def test_every_server_is_asked_and_which_answered_is_recorded() -> None:
    """All discovered servers are asked; the dead address is recorded as failed, the others
    as answered, and an A answer for an IP target maps to its region (problem 7)."""

    async def ask(resolver: EcsResolver) -> object:
        try:
            answer = await resolver.resolve("myapp.trafficmanager.test", "24.1.2.0/24")
            await asyncio.sleep(0)
            return answer
        finally:
            await resolver.aclose()

    with serve(RECORDS, ["127.0.0.1", "::1"]) as port:
        resolver_sys = system_resolver(("127.0.0.1", port), timeout_s=2)
        _, servers = discover_nameservers("myapp.trafficmanager.test", resolver_sys, port=port)
        resolver = EcsResolver(servers, timeout_s=0.6)
        answer = asyncio.run(ask(resolver))
    assert region_of_answer(answer.addresses, INGRESSES) == "us"  # type: ignore[attr-defined]
    stats = {key: (s.answered, s.failed) for key, s in resolver.stats.items()}
    assert stats[f"tm1.trafficmanager.test@127.0.0.1:{port}"] == (1, 0)
    assert stats[f"tm2.trafficmanager.test@[::1]:{port}"] == (1, 0)
    assert stats[f"tm2.trafficmanager.test@127.0.0.9:{port}"] == (0, 1)


def test_listed_names_resolve_to_every_address() -> None:
    """An explicit observe.nameservers name keeps all its addresses, IPv6 included (round 1
    took A records only)."""
    with serve(RECORDS, ["127.0.0.1"]) as port:
        resolver = system_resolver(("127.0.0.1", port), timeout_s=2)
        servers = nameserver_addresses(["tm2.trafficmanager.test", "[::1]:5353"], resolver=resolver)
    assert [(s.address, s.port) for s in servers] == [("127.0.0.9", 53), ("::1", 53), ("::1", 5353)]


def test_a_zone_without_ns_is_a_refusal() -> None:
    """No NS anywhere above the profile's name is a refusal that says what to set."""
    with serve({("other.test.", "A"): ["127.0.0.1"]}, ["127.0.0.1"]) as port:
        resolver = system_resolver(("127.0.0.1", port), timeout_s=2)
        with pytest.raises(PreflightRefused, match=r"observe\.nameservers"):
            discover_nameservers("myapp.nowhere.test", resolver, port=port)
