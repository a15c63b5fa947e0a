"""The twin does what Microsoft documents, one test per documented sentence (issue 12, 1-8).

Sources (MicrosoftDocs/azure-docs, articles/traffic-manager/, on learn.microsoft.com):
ROUTING  https://learn.microsoft.com/azure/traffic-manager/traffic-manager-routing-methods
MONITOR  https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring
NESTED   https://learn.microsoft.com/azure/traffic-manager/traffic-manager-nested-profiles
TYPES    https://learn.microsoft.com/azure/traffic-manager/traffic-manager-endpoint-types
FAQ      https://learn.microsoft.com/azure/traffic-manager/traffic-manager-faqs
"""

from __future__ import annotations

import ipaddress
from collections import Counter

import dns.edns
import dns.message
import dns.rcode
import dns.rdatatype
import pytest
from pydantic import ValidationError

from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.dns_answer import GeoEntry, Locator, Responder, scaled_ttl
from drillkit.sandbox.tm.prober import spec_for
from drillkit.sandbox.tm.routing import Client, route
from drillkit.sandbox.tm.state import Store
from drillkit.sandbox.world import World, load_world
from tests.twin.tm.builders import endpoint, nested, probe, profile

NEW_YORK = Client(ipaddress.ip_address("24.1.2.3"), "US", "US-NY")


def _names(
    store: Store, name: str, client: Client, table: dict[str, dict[str, float]]
) -> list[str]:
    found = store.by_relative_name(name)
    assert found is not None
    return [leaf.endpoint.name for leaf in route(store, found, client, table)]


def _ask(
    store: Store, qname: str, qtype: str = "A", hosts: dict[str, str] | None = None
) -> dns.message.Message:
    responder = Responder(store, Locator([]), time_scale=1.0, hosts=hosts or {})
    wire = responder.respond(dns.message.make_query(qname, qtype).to_wire(), "127.0.0.1")
    assert wire is not None
    return dns.message.from_wire(wire)


def test_geographic_match_on_a_stopped_nested_endpoint_is_nodata() -> None:
    """ROUTING: "If an endpoint match is found and that endpoint is in the Stopped state, Traffic
    Manager returns a NODATA response. In this case, no further lookups is made higher up in the
    geographic region hierarchy. This behavior is also applicable for nested endpoint types when
    the child profile is in the Stopped or Disabled state." """
    store = Store()
    profile(store, "myapp-na", "Priority", endpoint("us", priority=1), profileStatus="Disabled")
    profile(store, "myapp-eu", "Priority", endpoint("eu", priority=1))
    profile(store, "myapp", "Geographic", nested("na", "myapp-na", geoMapping=["GEO-NA"]),
            nested("eu", "myapp-eu", geoMapping=["GEO-EU", "WORLD"]))  # fmt: skip
    assert _names(store, "myapp", NEW_YORK, {}) == []
    # On the wire NODATA is NOERROR with an empty answer (not NXDOMAIN: the name exists).
    locator = Locator([GeoEntry(ipaddress.ip_network("24.1.2.0/24"), "US", "US-NY")])
    responder = Responder(store, locator, time_scale=1.0, hosts={})

    def ask(subnet: str) -> dns.message.Message:
        query = dns.message.make_query("myapp.trafficmanager.net", "A", use_edns=0,
                                       options=[dns.edns.ECSOption(subnet, 24)])  # fmt: skip
        wire = responder.respond(query.to_wire(), "127.0.0.1")
        assert wire is not None
        return dns.message.from_wire(wire)

    new_york = ask("24.1.2.0")
    assert new_york.rcode() == dns.rcode.NOERROR and new_york.answer == []
    assert ask("128.7.8.0").answer  # elsewhere (WORLD) is still answered, by eu


def test_geographic_disabled_match_takes_no_part() -> None:
    """ROUTING: "If an endpoint displays a Disabled status, it won't be included in the region
    matching process." """
    store = Store()
    off = endpoint("na", geoMapping=["GEO-NA"], endpointStatus="Disabled")
    profile(store, "g", "Geographic", off, endpoint("world", geoMapping=["WORLD"]))
    assert _names(store, "g", NEW_YORK, {}) == ["world"]


@pytest.mark.parametrize("children", ["all-disabled", "none"])
def test_nested_endpoint_over_an_inactive_child_is_stopped(children: str) -> None:
    """NESTED: child profile "Inactive. All child profile endpoints are either Disabled or
    Stopped, or this profile has no endpoints." -> parent endpoint monitor status "Stopped";
    MONITOR: a Stopped endpoint "isn't included in DNS responses"."""
    store = Store()
    kids = [endpoint("a", endpointStatus="Disabled")] if children == "all-disabled" else []
    profile(store, "child", "Priority", *kids)
    profile(store, "other", "Priority", endpoint("b", priority=1))
    parent = profile(store, "parent", "Priority", nested("n", "child", priority=1),
                     nested("o", "other", priority=2))  # fmt: skip
    probe(store, store.by_relative_name("other"), "b", "Degraded")  # type: ignore[arg-type]
    assert monitor.endpoint_status(store, parent, parent.endpoints[0]) == monitor.STOPPED
    # Stopped does not count among the "all Degraded, answer as if Online" candidates.
    assert _names(store, "parent", NEW_YORK, {}) == ["b"]


def test_first_failed_probe_ends_checking_endpoint() -> None:
    """MONITOR: CheckingEndpoint: "The endpoint is monitored, but the results of the first probe
    haven't been received yet." Once the first result is in, a failure is not CheckingEndpoint."""
    counter = monitor.ProbeCounter(3)
    assert counter.state == monitor.CHECKING
    assert counter.record(False) == monitor.DEGRADED
    assert counter.record(True) == monitor.ONLINE
    assert [counter.record(False) for _ in range(4)] == ["Online"] * 3 + ["Degraded"]


def test_all_endpoints_disabled_is_nxdomain() -> None:
    """TYPES: "If all endpoints in a profile are disabled, or if the profile itself is disabled,
    then Traffic Manager sends an 'NXDOMAIN' response to a new DNS query." """
    store = Store()
    profile(store, "off", "Priority", endpoint("a", priority=1, endpointStatus="Disabled"),
            endpoint("b", priority=2, endpointStatus="Disabled"))  # fmt: skip
    assert _ask(store, "off.trafficmanager.net").rcode() == dns.rcode.NXDOMAIN


def test_200_is_healthy_even_with_expected_status_code_ranges() -> None:
    """MONITOR: "An endpoint is considered healthy if probing agent receives a 200-OK response, or
    any of the responses configured in the Expected status code ranges." """
    store = Store()
    p = profile(store, "p", "Priority", endpoint("a", priority=1),
                monitorConfig={"protocol": "HTTP", "port": 80, "path": "/",
                               "expectedStatusCodeRanges": [{"min": 301, "max": 302}]})  # fmt: skip
    spec = spec_for(p, p.endpoints[0], 1.0)
    assert any(low <= 200 <= high for low, high in spec.ranges)
    assert any(low <= 302 <= high for low, high in spec.ranges)


def test_performance_spreads_evenly_within_the_closest_region() -> None:
    """ROUTING: "If your profile contains multiple endpoints in the same Azure region, then Traffic
    Manager distributes traffic evenly across the available endpoints in that region." and "The
    algorithm that chooses the endpoint is deterministic. Repeated DNS queries from the same client
    are directed to the same endpoint." """
    store = Store()
    a, b = endpoint("a", endpointLocation="East US"), endpoint("b", endpointLocation="eastus")
    profile(store, "perf", "Performance", a, b, endpoint("c", endpointLocation="westeurope"))
    table = {"US": {"eastus": 5.0, "westeurope": 80.0}}
    clients = [Client(ipaddress.ip_address(f"24.1.{i}.7"), "US") for i in range(200)]
    picks = Counter(_names(store, "perf", c, table)[0] for c in clients)
    assert set(picks) == {"a", "b"} and min(picks.values()) > 60
    assert all(_names(store, "perf", c, table) == _names(store, "perf", c, table) for c in clients)


def test_scaled_ttl_is_exact_or_refused() -> None:
    """FAQ: "A TTL of 0 means that downstream DNS resolvers do not cache query responses"; a TTL
    that timeScale makes fractional (15 s x 0.1 = 1.5 s) is refused with the reason, not rounded."""
    assert scaled_ttl(30, 0.1) == 3
    assert scaled_ttl(0, 0.1) == 0
    with pytest.raises(ValueError, match="not a whole number of seconds"):
        scaled_ttl(15, 0.1)
    data = load_world().model_dump(by_alias=True)
    data["trafficManager"]["profiles"][0]["ttl"] = 15
    with pytest.raises(ValidationError, match="rounding would add its error to every measured RTO"):
        World.model_validate(data)


def test_hostname_answer_carries_only_the_cname() -> None:
    """FAQ: "If the endpoint was added as a DNS name, then the query response will be of record type
    CNAME." The resolver, not Traffic Manager, then asks the target's zone for its address."""
    store = Store()
    profile(store, "h", "Priority", endpoint("us", priority=1, target="us.ingress.sandbox.test"))
    reply = _ask(store, "h.trafficmanager.net", hosts={"us.ingress.sandbox.test": "127.0.0.2"})
    assert [rrset.rdtype for rrset in reply.answer] == [dns.rdatatype.CNAME]


def test_min_child_endpoints_ipv4_counts_online_a_record_children() -> None:
    """REST spec (trafficmanager.json, 2022-04-01) minChildEndpointsIPv4: "The minimum number of
    IPv4 (DNS record type A) endpoints that must be available in the child profile in order for
    the parent profile to be considered available." """
    store = Store()
    child = profile(store, "child", "MultiValue", endpoint("a", target="203.0.113.1"),
                    endpoint("b", target="203.0.113.2"), endpoint("c", target="2001:db8::1"),
                    maxReturn=3)  # fmt: skip
    parent = profile(store, "parent", "Priority",
                     nested("n", "child", minChildEndpoints=1, minChildEndpointsIPv4=2,
                            minChildEndpointsIPv6=1))  # fmt: skip
    for name in ("a", "b", "c"):
        probe(store, child, name, "Online")
    assert monitor.endpoint_status(store, parent, parent.endpoints[0]) == monitor.ONLINE
    probe(store, child, "b", "Degraded")
    assert monitor.endpoint_status(store, parent, parent.endpoints[0]) == monitor.DEGRADED


def test_subnet_unmatched_or_unhealthy_match_is_nxdomain() -> None:
    """FAQ: "Traffic Manager will return a NXDOMAIN response if a request comes in and it is not
    mapped to any endpoints or if it is mapped to an endpoint but that endpoint is unhealthy." and
    a disabled endpoint's mappings count "as if that endpoint and the subnet mappings it has does
    not exist": the fallback (an endpoint without ranges) answers, if there is one."""
    store = Store()
    s = profile(store, "s", "Subnet",
                endpoint("ny", subnets=[{"first": "24.1.2.0", "scope": 24}]),
                endpoint("other", subnets=[{"first": "10.0.0.0", "scope": 8}]))  # fmt: skip
    probe(store, s, "ny", "Online")
    probe(store, s, "other", "Online")
    query = dns.message.make_query("s.trafficmanager.net", "A", use_edns=0,
                                   options=[dns.edns.ECSOption("99.9.9.0", 24)])  # fmt: skip
    responder = Responder(store, Locator([]), time_scale=1.0, hosts={})
    unmapped = dns.message.from_wire(responder.respond(query.to_wire(), "127.0.0.1") or b"")
    assert unmapped.rcode() == dns.rcode.NXDOMAIN
    probe(store, s, "ny", "Degraded")
    assert _names(store, "s", NEW_YORK, {}) == []  # mapped but unhealthy: no fallback to "other"
    s.endpoints.append(endpoint("fallback"))
    s.endpoints[0].properties["endpointStatus"] = "Disabled"
    store.changed()
    assert _names(store, "s", NEW_YORK, {}) == ["fallback"]
