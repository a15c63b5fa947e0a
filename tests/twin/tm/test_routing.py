"""Routing methods over the stored profiles, as the DNS twin answers them."""

from __future__ import annotations

import ipaddress
import random
from collections import Counter

from drillkit.sandbox.tm.routing import Client, route
from drillkit.sandbox.tm.state import Store
from tests.twin.tm.builders import endpoint, nested, probe, profile

NEW_YORK = Client(ipaddress.ip_address("24.1.2.3"), "US", "US-NY")
CALIFORNIA = Client(ipaddress.ip_address("24.9.9.9"), "US", "US-CA")
CANADA = Client(ipaddress.ip_address("24.8.8.8"), "CA")
PARIS = Client(ipaddress.ip_address("128.7.8.9"), "FR")
NOWHERE = Client(ipaddress.ip_address("127.0.0.1"))


def _targets(store: Store, name: str, client: Client, **kwargs: object) -> list[str]:
    found = store.by_relative_name(name)
    assert found is not None
    leaves = route(store, found, client, {}, **kwargs)  # type: ignore[arg-type]
    return [str(leaf.endpoint.target) for leaf in leaves]


def test_priority_takes_lowest_healthy_priority() -> None:
    """Priority answers the lowest priority that is not Degraded."""
    store = Store()
    p = profile(store, "p", "Priority", endpoint("a", priority=1), endpoint("b", priority=2))
    assert _targets(store, "p", NOWHERE) == ["a.example"]
    probe(store, p, "a", "Degraded")
    assert _targets(store, "p", NOWHERE) == ["b.example"]


def test_all_degraded_are_answered_as_if_online() -> None:
    """When every endpoint is Degraded, routing ignores health."""
    store = Store()
    p = profile(store, "p", "Priority", endpoint("a", priority=1), endpoint("b", priority=2))
    probe(store, p, "a", "Degraded")
    probe(store, p, "b", "Degraded")
    assert _targets(store, "p", NOWHERE) == ["a.example"]


def test_disabled_endpoint_is_never_answered() -> None:
    """A disabled endpoint is left out even when it has the best priority."""
    store = Store()
    profile(store, "p", "Priority", endpoint("a", priority=1, endpointStatus="Disabled"),
            endpoint("b", priority=2))  # fmt: skip
    assert _targets(store, "p", NOWHERE) == ["b.example"]


def test_geographic_most_specific_match_wins() -> None:
    """State beats country beats GEO group beats WORLD."""
    store = Store()
    ny, us = endpoint("ny", geoMapping=["US-NY"]), endpoint("us", geoMapping=["US"])
    na, world = endpoint("na", geoMapping=["GEO-NA"]), endpoint("world", geoMapping=["WORLD"])
    profile(store, "g", "Geographic", ny, us, na, world)
    assert _targets(store, "g", NEW_YORK) == ["ny.example"]
    assert _targets(store, "g", CALIFORNIA) == ["us.example"]
    assert _targets(store, "g", CANADA) == ["na.example"]
    assert _targets(store, "g", PARIS) == ["world.example"]


def test_geographic_never_fails_over_from_a_degraded_mapping() -> None:
    """A Degraded geographic endpoint is still the answer for its region."""
    store = Store()
    g = profile(store, "g", "Geographic", endpoint("us", geoMapping=["GEO-NA"]),
                endpoint("eu", geoMapping=["GEO-EU", "WORLD"]))  # fmt: skip
    probe(store, g, "us", "Degraded")
    probe(store, g, "eu", "Online")
    assert _targets(store, "g", NEW_YORK) == ["us.example"]


def test_geographic_unmapped_region_is_nodata() -> None:
    """A client in no mapped region gets no answer (NODATA)."""
    store = Store()
    profile(store, "g", "Geographic", endpoint("eu", geoMapping=["GEO-EU"]))
    assert _targets(store, "g", NEW_YORK) == []


def test_nested_child_fails_over_inside_the_geography() -> None:
    """Geographic -> nested Priority child: the child's second endpoint takes over."""
    store = Store()
    child = profile(store, "na", "Priority", endpoint("us", priority=1), endpoint("eu", priority=2))
    profile(store, "top", "Geographic", nested("na", "na", geoMapping=["GEO-NA"]))
    assert _targets(store, "top", NEW_YORK) == ["us.example"]
    probe(store, child, "us", "Degraded")
    assert _targets(store, "top", NEW_YORK) == ["eu.example"]


def test_weighted_spreads_by_weight() -> None:
    """Weighted picks endpoints in proportion to their weights."""
    store = Store()
    profile(store, "w", "Weighted", endpoint("a", weight=3), endpoint("b", weight=1))
    rng = random.Random(7)
    counts = Counter(_targets(store, "w", NOWHERE, rng=rng)[0] for _ in range(2000))
    assert 0.68 < counts["a.example"] / 2000 < 0.82


def test_performance_follows_the_latency_table() -> None:
    """Performance answers the lowest-latency healthy endpoint for the client's country."""
    store = Store()
    p = profile(store, "perf", "Performance", endpoint("us", endpointLocation="East US"),
                endpoint("eu", endpointLocation="westeurope"))  # fmt: skip
    table = {"FR": {"eastus": 90.0, "westeurope": 10.0}, "US": {"eastus": 5.0, "westeurope": 80.0}}
    assert [leaf.endpoint.name for leaf in route(store, p, PARIS, table)] == ["eu"]
    assert [leaf.endpoint.name for leaf in route(store, p, NEW_YORK, table)] == ["us"]
    probe(store, p, "us", "Degraded")
    assert [leaf.endpoint.name for leaf in route(store, p, NEW_YORK, table)] == ["eu"]


def test_multivalue_returns_healthy_addresses_up_to_max_return() -> None:
    """MultiValue answers every healthy IP endpoint, at most maxReturn of them."""
    store = Store()
    mv = profile(store, "mv", "MultiValue", endpoint("a", target="127.0.0.2"),
                 endpoint("b", target="127.0.0.3"), endpoint("c", target="127.0.0.4"),
                 maxReturn=2)  # fmt: skip
    assert _targets(store, "mv", NOWHERE) == ["127.0.0.2", "127.0.0.3"]
    probe(store, mv, "a", "Degraded")
    assert _targets(store, "mv", NOWHERE) == ["127.0.0.3", "127.0.0.4"]


def test_subnet_matches_ranges_and_falls_back() -> None:
    """Subnet routing matches first/scope and first/last ranges, else the unmapped endpoint."""
    store = Store()
    profile(store, "s", "Subnet",
            endpoint("scoped", subnets=[{"first": "24.1.2.0", "scope": 24}]),
            endpoint("ranged", subnets=[{"first": "128.7.8.0", "last": "128.7.8.255"}]),
            endpoint("fallback"))  # fmt: skip
    assert _targets(store, "s", NEW_YORK) == ["scoped.example"]
    assert _targets(store, "s", PARIS) == ["ranged.example"]
    assert _targets(store, "s", NOWHERE) == ["fallback.example"]
