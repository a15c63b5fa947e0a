"""ARM refuses what Azure refuses (issue 12, item 9), with ARM's CloudError body.

Sources (MicrosoftDocs/azure-docs, articles/traffic-manager/, on learn.microsoft.com):
NESTED  https://learn.microsoft.com/azure/traffic-manager/traffic-manager-nested-profiles
MONITOR https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring
FAQ     https://learn.microsoft.com/azure/traffic-manager/traffic-manager-faqs
ROUTING https://learn.microsoft.com/azure/traffic-manager/traffic-manager-routing-methods
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.twin.tm.test_arm_bad_input import API, PROFILES, _ep, _profile

NESTED_TYPE = "Microsoft.Network/trafficManagerProfiles/nestedEndpoints"
RG_ID = (
    "/subscriptions/sub-1/resourceGroups/rg-bad/providers/Microsoft.Network/trafficManagerProfiles"
)


def _nested(name: str, child: str, **props: Any) -> dict[str, Any]:
    return {"name": name, "type": NESTED_TYPE,
            "properties": {"targetResourceId": f"{RG_ID}/{child}", **props}}  # fmt: skip


def _headers(n: int, **extra: str) -> list[dict[str, str]]:
    return [{"name": f"X-H{i}", "value": "v"} for i in range(n)] + [
        {"name": k, "value": v} for k, v in extra.items()
    ]


RULES = [
    # NESTED: "You can nest profiles up to 10 levels deep. 'Loops' are not permitted."
    ("nesting loop", _profile(endpoints=[_nested("self", "rules", priority=1)]), "loop"),
    # MONITOR: "Health checks can't be disabled on nested Traffic Manager profiles."
    ("alwaysServe on nested", _profile(endpoints=[_nested("n", "other", priority=1,
                                                          alwaysServe="Enabled")]),
     "alwaysServe"),
    # ROUTING: "Select MultiValue for Traffic Manager profiles that can only have IPv4/IPv6
    # addresses as endpoints."
    ("MultiValue with a hostname", _profile(trafficRoutingMethod="MultiValue", maxReturn=2,
                                            endpoints=[_ep("a")]), "IPv4 or IPv6"),
    ("MultiValue with nested", _profile(trafficRoutingMethod="MultiValue", maxReturn=2,
                                        endpoints=[_nested("n", "other")]), "IPv4 or IPv6"),
    # FAQ: "Traffic Manager does not allow you to mix endpoint addressing types within a profile,
    # except for the case of a profile with MultiValue routing type where you can mix IPv4 and
    # IPv6 addressing types"
    ("IPv4 with hostname", _profile(endpoints=[_ep("a", priority=1, target="203.0.113.1"),
                                               _ep("b", priority=2)]), "addressing types"),
    ("IPv4 with IPv6", _profile(endpoints=[_ep("a", priority=1, target="203.0.113.1"),
                                           _ep("b", priority=2, target="2001:db8::1")]),
     "addressing types"),
    # FAQ: "You cannot have overlap of address ranges since each IP needs to be mapped to only a
    # single endpoint"
    ("overlapping subnets", _profile(trafficRoutingMethod="Subnet", endpoints=[
        _ep("a", subnets=[{"first": "10.0.0.0", "scope": 16}]),
        _ep("b", subnets=[{"first": "10.0.5.0", "last": "10.0.5.9"}])]), "overlap"),
    # FAQ: "In the case of the CIDR notation, the IP address before the '/' should be the start
    # address of that range"
    ("CIDR with host bits", _profile(trafficRoutingMethod="Subnet", endpoints=[
        _ep("a", subnets=[{"first": "1.2.3.4", "scope": 24}])]), "start address"),
    # MONITOR: "You can specify up to eight header:value pairs"
    ("9 custom headers", _profile(monitorConfig={"customHeaders": _headers(9)}), "at most 8"),
    ("9 endpoint headers", _profile(endpoints=[_ep("a", customHeaders=_headers(9))]),
     "at most 8"),
    # MONITOR: "You can specify a maximum of eight status code ranges."
    ("9 status ranges", _profile(monitorConfig={"expectedStatusCodeRanges": [
        {"min": 200 + i, "max": 200 + i} for i in range(9)]}), "at most 8"),
    # MONITOR: "Using asterisk characters (*) in custom Host headers is unsupported."
    ("wildcard Host", _profile(monitorConfig={"customHeaders": _headers(0, Host="*.example")}),
     "asterisk"),
    # NESTED: "When the parent profile uses the 'Performance' traffic-routing method, each
    # endpoint must be assigned a location."
    ("nested Performance without location", _profile(trafficRoutingMethod="Performance",
                                                     endpoints=[_nested("n", "other")]),
     "endpointLocation"),
    # FAQ: "The maximum possible value for this configuration is 10."
    ("maxReturn 11", _profile(trafficRoutingMethod="MultiValue", maxReturn=11),
     "'maxReturn' must be between 1 and 10"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "body", "message"), RULES, ids=[r[0] for r in RULES])
def test_azure_rule_is_400_bad_request(
    arm: httpx.Client,
    what: str,
    body: dict[str, Any],
    message: str,
) -> None:
    """Each rule Azure enforces refuses the PUT with 400 BadRequest in ARM's CloudError shape."""
    response = arm.put(f"{PROFILES}/rules{API}", json=body)
    assert response.status_code == 400, (what, response.text)
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert message in error["message"], error["message"]
    assert set(error) <= {"code", "message", "target", "details"}
    assert arm.get(f"{PROFILES}/rules{API}").status_code == 404


def test_two_profile_loop_is_refused(arm: httpx.Client) -> None:
    """NESTED: "'Loops' are not permitted.": a nests b, then b nesting a is refused."""
    a = _profile(dnsConfig={"relativeName": "rules-loop-a"}, endpoints=[_nested("b", "loop-b")])
    b = _profile(dnsConfig={"relativeName": "rules-loop-b"}, endpoints=[_nested("a", "loop-a")])
    try:
        assert arm.put(f"{PROFILES}/loop-a{API}", json=a).status_code in (200, 201)
        refused = arm.put(f"{PROFILES}/loop-b{API}", json=b)
        assert refused.status_code == 400 and "loop" in refused.json()["error"]["message"]
    finally:
        arm.delete(f"{PROFILES}/loop-a{API}")
        arm.delete(f"{PROFILES}/loop-b{API}")


def test_max_return_10_and_mixed_families_are_accepted_with_multivalue(
    arm: httpx.Client,
) -> None:
    """FAQ: maxReturn up to 10, and MultiValue may "mix IPv4 and IPv6 addressing types"."""
    endpoints = [_ep("a", target="203.0.113.1"), _ep("b", target="2001:db8::1")]
    body = _profile(trafficRoutingMethod="MultiValue", maxReturn=10, endpoints=endpoints)
    try:
        response = arm.put(f"{PROFILES}/rules-ok{API}", json=body)
        assert response.status_code in (200, 201), response.text
        assert response.json()["properties"]["maxReturn"] == 10
    finally:
        arm.delete(f"{PROFILES}/rules-ok{API}")


def test_min_child_endpoints_per_family_are_kept(arm: httpx.Client) -> None:
    """The REST spec's minChildEndpointsIPv4/IPv6 ("The minimum number of IPv4 (DNS record type
    A) endpoints that must be available in the child profile") are stored and returned."""
    body = _profile(endpoints=[_nested("n", "other", minChildEndpointsIPv4=2,
                                       minChildEndpointsIPv6=1)])  # fmt: skip
    try:
        response = arm.put(f"{PROFILES}/rules-min{API}", json=body)
        assert response.status_code in (200, 201), response.text
        props = response.json()["properties"]["endpoints"][0]["properties"]
        assert (props["minChildEndpointsIPv4"], props["minChildEndpointsIPv6"]) == (2, 1)
    finally:
        arm.delete(f"{PROFILES}/rules-min{API}")
