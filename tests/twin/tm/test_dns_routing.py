"""DNS answers for profiles created through ARM: MultiValue A records, NODATA, endpoint disable."""

from __future__ import annotations

from typing import Any

import dns.edns
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import httpx

from tests.twin.tm.conftest import TwinThread, wait_for

SANDBOX = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sandbox"
PROFILES = f"{SANDBOX}/providers/Microsoft.Network/trafficmanagerprofiles"
API = "?api-version=2026-09-01"


def _query(twin: TwinThread, name: str, subnet: str = "24.1.2.0/24") -> dns.message.Message:
    address, prefix = subnet.split("/")
    ecs = [dns.edns.ECSOption(address, int(prefix))]
    query = dns.message.make_query(name, "A", use_edns=0, options=ecs)
    return dns.query.udp(query, "127.0.0.1", port=twin.keys["dns"]["port"], timeout=2)


def _profile(twin: TwinThread, routing: str, endpoints: list[dict[str, Any]], **extra: Any) -> Any:
    port = twin.keys["regions"]["us"]["ingress"]["port"]
    dns_config = {"relativeName": extra.pop("name"), "ttl": 10}
    return {"location": "global", "properties": {
        "trafficRoutingMethod": routing, "dnsConfig": dns_config,
        "monitorConfig": {"protocol": "HTTP", "port": port, "path": "/healthz",
                          "intervalInSeconds": 10, "timeoutInSeconds": 5},
        "endpoints": endpoints, **extra}}  # fmt: skip


def _ext(name: str, target: str, **props: Any) -> dict[str, Any]:
    return {"name": name, "type": "ExternalEndpoints", "properties": {"target": target, **props}}


def test_multivalue_answers_every_healthy_address(twin: TwinThread, arm: httpx.Client) -> None:
    """A MultiValue profile over both ingress addresses answers both as A records."""
    body = _profile(twin, "MultiValue", [_ext("us", "127.0.0.2"), _ext("eu", "127.0.0.3")],
                    name="mv-dns", maxReturn=2)  # fmt: skip
    assert arm.put(f"{PROFILES}/mv-dns{API}", json=body).status_code == 201
    try:
        response = _query(twin, "mv-dns.trafficmanager.net")
        assert response.answer[0].rdtype == dns.rdatatype.A
        assert sorted(str(r) for r in response.answer[0]) == ["127.0.0.2", "127.0.0.3"]
    finally:
        arm.delete(f"{PROFILES}/mv-dns{API}")
    assert _query(twin, "mv-dns.trafficmanager.net").rcode() == dns.rcode.NXDOMAIN


def test_unmapped_geography_is_nodata(twin: TwinThread, arm: httpx.Client) -> None:
    """A Geographic profile without a mapping for the client answers NOERROR with no records."""
    body = _profile(twin, "Geographic", [_ext("asia", "eu.ingress.sandbox.test",
                                              geoMapping=["GEO-AS"])], name="geo-asia")  # fmt: skip
    assert arm.put(f"{PROFILES}/geo-asia{API}", json=body).status_code == 201
    try:
        response = _query(twin, "geo-asia.trafficmanager.net")
        assert response.rcode() == dns.rcode.NOERROR
        assert response.answer == []
        assert response.authority[0].rdtype == dns.rdatatype.SOA
    finally:
        arm.delete(f"{PROFILES}/geo-asia{API}")


def test_disabling_an_endpoint_moves_dns_at_once(twin: TwinThread, arm: httpx.Client) -> None:
    """Disabling myapp-na's US endpoint sends New York to the EU ingress with no probe delay."""
    url = f"{PROFILES}/myapp-na/ExternalEndpoints/us{API}"
    target = lambda: str(_query(twin, "myapp.trafficmanager.net").answer[0][0].target)  # noqa: E731
    wait_for(lambda: target() == "us.ingress.sandbox.test.", 5)
    assert arm.patch(url, json={"properties": {"endpointStatus": "Disabled"}}).status_code == 200
    try:
        assert target() == "eu.ingress.sandbox.test."
    finally:
        arm.patch(url, json={"properties": {"endpointStatus": "Enabled"}})
    # Re-enabled endpoints start from CheckingEndpoint, which DNS already answers.
    assert target() == "us.ingress.sandbox.test."


def test_subnet_routing_tells_apart_clients_of_one_country(
    twin: TwinThread, arm: httpx.Client
) -> None:
    """Two unknown /24s share a location but still get their own Subnet-routed answers."""
    body = _profile(twin, "Subnet", [
        _ext("three", "us.ingress.sandbox.test", subnets=[{"first": "24.1.3.0", "scope": 24}]),
        _ext("four", "eu.ingress.sandbox.test", subnets=[{"first": "24.1.4.0", "scope": 24}]),
    ], name="subnet-dns")  # fmt: skip
    assert arm.put(f"{PROFILES}/subnet-dns{API}", json=body).status_code == 201
    try:
        for _ in range(2):  # the second round is answered from the reused sections
            three = _query(twin, "subnet-dns.trafficmanager.net", "24.1.3.0/24")
            four = _query(twin, "subnet-dns.trafficmanager.net", "24.1.4.0/24")
            assert str(three.answer[0][0].target) == "us.ingress.sandbox.test."
            assert str(four.answer[0][0].target) == "eu.ingress.sandbox.test."
    finally:
        arm.delete(f"{PROFILES}/subnet-dns{API}")


def test_weighted_answers_are_drawn_per_query(twin: TwinThread, arm: httpx.Client) -> None:
    """Weighted answers are never reused: equal weights yield both targets over many queries."""
    body = _profile(twin, "Weighted", [_ext("us", "us.ingress.sandbox.test", weight=1),
                                       _ext("eu", "eu.ingress.sandbox.test", weight=1)],
                    name="weighted-dns")  # fmt: skip
    assert arm.put(f"{PROFILES}/weighted-dns{API}", json=body).status_code == 201
    try:
        seen = {str(_query(twin, "weighted-dns.trafficmanager.net").answer[0][0].target)
                for _ in range(60)}  # fmt: skip
    finally:
        arm.delete(f"{PROFILES}/weighted-dns{API}")
    assert seen == {"us.ingress.sandbox.test.", "eu.ingress.sandbox.test."}
