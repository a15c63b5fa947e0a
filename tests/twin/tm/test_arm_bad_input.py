"""Bad ARM requests get ARM error bodies with the documented codes and messages."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from tests.twin.tm.conftest import TwinThread

PROFILES = (
    "/subscriptions/sub-1/resourceGroups/rg-bad/providers/Microsoft.Network/trafficmanagerprofiles"
)
API = "?api-version=2026-09-01"


def _profile(**props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "trafficRoutingMethod": "Priority",
        "dnsConfig": {"relativeName": "bad-input-profile", "ttl": 30},
        "monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/healthz"},
    }
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return {"location": "global", "properties": base}


def _ep(name: str, **props: Any) -> dict[str, Any]:
    return {"name": name, "type": "Microsoft.Network/trafficManagerProfiles/externalEndpoints",
            "properties": {"target": f"{name}.example", **props}}  # fmt: skip


BAD_PROFILES = [
    ("interval", _profile(monitorConfig={"intervalInSeconds": 20}), "intervalInSeconds"),
    ("timeout at 10 s interval", _profile(monitorConfig={"intervalInSeconds": 10,
                                                         "timeoutInSeconds": 10}),
     "'monitorConfig.timeoutInSeconds' must be between 5 and 9"),
    ("timeout at 30 s interval", _profile(monitorConfig={"timeoutInSeconds": 4}),
     "'monitorConfig.timeoutInSeconds' must be between 5 and 10"),
    ("tolerated", _profile(monitorConfig={"toleratedNumberOfFailures": 10}),
     "'monitorConfig.toleratedNumberOfFailures' must be between 0 and 9"),
    ("protocol", _profile(monitorConfig={"protocol": "FTP"}), "monitorConfig.protocol"),
    ("path for TCP", _profile(monitorConfig={"protocol": "TCP"}), "not allowed with the TCP"),
    ("missing port", _profile(monitorConfig={"port": None}), "'monitorConfig.port' is required"),
    ("routing method", _profile(trafficRoutingMethod="Random"), "trafficRoutingMethod"),
    ("relative name", _profile(dnsConfig={"relativeName": "-bad-"}), "relative DNS name"),
    ("status ranges", _profile(monitorConfig={"expectedStatusCodeRanges": [{"min": 500,
                                                                            "max": 200}]}),
     "expectedStatusCodeRanges"),
    ("maxReturn without MultiValue", _profile(maxReturn=2), "'maxReturn' is allowed only"),
    ("MultiValue without maxReturn", _profile(trafficRoutingMethod="MultiValue"),
     "'maxReturn' is required"),
    ("duplicate priority", _profile(endpoints=[_ep("a", priority=1), _ep("b", priority=1)]),
     "have the same priority 1"),
    ("duplicate endpoint name", _profile(endpoints=[_ep("a"), _ep("A")]),
     "used more than once"),
    ("geo region twice", _profile(trafficRoutingMethod="Geographic", endpoints=[
        _ep("a", geoMapping=["GEO-EU"]), _ep("b", geoMapping=["geo-eu"])]),
     "mapped to more than one endpoint"),
    ("geo endpoint without region", _profile(trafficRoutingMethod="Geographic",
                                             endpoints=[_ep("a")]), "needs at least one"),
    ("unknown geo code", _profile(trafficRoutingMethod="Geographic",
                                  endpoints=[_ep("a", geoMapping=["GEO-XX"])]),
     "'GEO-XX' is not in Traffic Manager's geographic hierarchy"),
    ("performance without location", _profile(trafficRoutingMethod="Performance",
                                              endpoints=[_ep("a")]), "endpointLocation"),
    ("weight", _profile(endpoints=[_ep("a", weight=1001)]), "'weight' must be between 1 and"),
    ("external without target", _profile(endpoints=[{
        "name": "a", "type": "ExternalEndpoints", "properties": {}}]), "needs 'target'"),
    ("bad subnet", _profile(trafficRoutingMethod="Subnet", endpoints=[
        _ep("a", subnets=[{"first": "10.0.0.9", "last": "10.0.0.1"}])]), "subnet"),
    ("location", {**_profile(), "location": "westeurope"}, "only location is 'global'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "body", "message"), BAD_PROFILES, ids=[c[0] for c in BAD_PROFILES]
)
def test_invalid_profile_is_400_with_message(
    arm: httpx.Client, what: str, body: dict[str, Any], message: str
) -> None:
    """Each documented profile rule rejects a violating PUT with BadRequest and a clear message."""
    response = arm.put(f"{PROFILES}/bad{API}", json=body)
    assert response.status_code == 400, what
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert message in error["message"]
    assert arm.get(f"{PROFILES}/bad{API}").status_code == 404


def test_unknown_api_version_is_invalid_api_version_parameter(arm: httpx.Client) -> None:
    """An api-version the twin does not serve is 400 InvalidApiVersionParameter."""
    response = arm.get(f"{PROFILES}?api-version=2015-11-01")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidApiVersionParameter"
    assert "2022-04-01,2026-09-01" in response.json()["error"]["message"]


def test_missing_api_version_is_400(arm: httpx.Client) -> None:
    """A request without api-version is 400 MissingApiVersionParameter."""
    response = arm.get(PROFILES)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_no_token_is_401(twin: TwinThread) -> None:
    """A request without an Authorization header is 401 with an ARM error body."""
    keys = twin.keys["trafficManager"]
    context = ssl.create_default_context(cafile=keys["caFile"])
    with httpx.Client(base_url=keys["armUrl"], verify=context) as client:
        response = client.get(f"{PROFILES}{API}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"


def test_unknown_resources_are_404(arm: httpx.Client) -> None:
    """Unknown profiles and endpoints are 404 ResourceNotFound naming the resource."""
    response = arm.get(f"{PROFILES}/nope{API}")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "ResourceNotFound",
        "message": "The Resource 'Microsoft.Network/trafficManagerProfiles/nope' under resource "
        "group 'rg-bad' was not found.",
    }
    sandbox = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sandbox"
    endpoint = (
        f"{sandbox}/providers/Microsoft.Network/trafficManagerProfiles/myapp/externalEndpoints/nope"
    )
    assert arm.get(endpoint + API).status_code == 404


def test_paths_and_types_are_case_insensitive(arm: httpx.Client) -> None:
    """Mixed-case paths reach the same resources; responses use ARM's canonical types."""
    sandbox = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG-SANDBOX"
    profile = f"{sandbox}/PROVIDERS/microsoft.network/TRAFFICMANAGERPROFILES/MyApp-NA"
    url = f"{profile}/EXTERNALENDPOINTS/US"
    response = arm.get(url + API)
    assert response.status_code == 200
    assert response.json()["type"] == "Microsoft.Network/trafficManagerProfiles/externalEndpoints"
    assert response.json()["name"] == "us"


def test_malformed_json_is_invalid_request_content(arm: httpx.Client) -> None:
    """A body that is not JSON is 400 InvalidRequestContent."""
    response = arm.put(f"{PROFILES}/bad{API}", content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


def test_relative_name_taken_by_another_profile_is_rejected(arm: httpx.Client) -> None:
    """A second profile cannot claim a relative DNS name another profile holds."""
    response = arm.put(f"{PROFILES}/other{API}", json=_profile(dnsConfig={"relativeName": "myapp"}))
    assert response.status_code == 400
    assert "myapp.trafficmanager.net already exists" in response.json()["error"]["message"]


SANDBOX_PROFILES = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sandbox"
    "/providers/Microsoft.Network/trafficmanagerprofiles"
)
BAD_ENDPOINTS = [
    ("priority taken", "myapp-na/ExternalEndpoints/extra",
     {"properties": {"target": "x.example", "priority": 1}}, "have the same priority 1"),
    ("region mapped twice", "myapp/NestedEndpoints/extra",
     {"properties": {"targetResourceId": "/x", "geoMapping": ["GEO-EU"]}},
     "'GEO-EU' is mapped to more than one endpoint"),
    ("type differs from path", "myapp-na/ExternalEndpoints/extra",
     {"type": "Microsoft.Network/trafficManagerProfiles/azureEndpoints",
      "properties": {"target": "x.example", "priority": 9}}, "does not match the path"),
    ("unknown endpoint type", "myapp-na/OtherEndpoints/extra",
     {"properties": {"target": "x.example"}}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "path", "body", "message"), BAD_ENDPOINTS, ids=[c[0] for c in BAD_ENDPOINTS]
)
def test_invalid_endpoint_put_is_rejected(
    arm: httpx.Client, what: str, path: str, body: dict[str, Any], message: str | None
) -> None:
    """Endpoint PUTs that break a profile rule are refused and change nothing."""
    response = arm.put(f"{SANDBOX_PROFILES}/{path}{API}", json=body)
    if message is None:
        assert response.status_code == 404, what
        assert response.json()["error"]["code"] == "NotFound"
    else:
        assert response.status_code == 400, what
        assert message in response.json()["error"]["message"]
    profile = arm.get(f"{SANDBOX_PROFILES}/{path.split('/', maxsplit=1)[0]}{API}").json()
    assert "extra" not in [e["name"] for e in profile["properties"]["endpoints"]]
