"""The unmodified azure-mgmt-trafficmanager client against the ARM twin."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.mgmt.trafficmanager import TrafficManagerManagementClient
from azure.mgmt.trafficmanager.models import (
    CheckTrafficManagerRelativeDnsNameAvailabilityParameters,
    DnsConfig,
    Endpoint,
    MonitorConfig,
    Profile,
)

from tests.twin.tm.conftest import StaticToken, TwinThread, wait_for

RG = "rg-sandbox"


def _client(twin: TwinThread, api_version: str | None = None, token: str | None = None) -> Any:
    keys = twin.keys["trafficManager"]
    kwargs: dict[str, Any] = {"api_version": api_version} if api_version else {}
    return TrafficManagerManagementClient(
        StaticToken(token or keys["token"]),
        keys["subscriptionId"],
        base_url=keys["armUrl"],
        connection_verify=keys["caFile"],
        **kwargs,
    )


def _profile(name: str, port: int) -> Profile:
    return Profile(
        location="global",
        profile_status="Enabled",
        traffic_routing_method="Priority",
        dns_config=DnsConfig(relative_name=name, ttl=30),
        monitor_config=MonitorConfig(
            protocol="HTTP", port=port, path="/healthz", interval_in_seconds=10,
            timeout_in_seconds=5, tolerated_number_of_failures=1,
        ),
        endpoints=[
            Endpoint(name="us", type="Microsoft.Network/trafficManagerProfiles/externalEndpoints",
                     target="us.ingress.sandbox.test", priority=1),
            Endpoint(name="eu", type="Microsoft.Network/trafficManagerProfiles/externalEndpoints",
                     target="eu.ingress.sandbox.test", priority=2),
        ],
    )  # fmt: skip


@pytest.mark.parametrize("api_version", [None, "2022-04-01"])
def test_profile_crud_round_trip(twin: TwinThread, api_version: str | None) -> None:
    """Create, read, update, list and delete a profile through the SDK on either api-version."""
    name = f"crud-{(api_version or 'default').replace('-', '')}"
    port = twin.keys["regions"]["us"]["ingress"]["port"]
    with _client(twin, api_version) as client:
        created = client.profiles.create_or_update(RG, name, _profile(name, port))
        assert created.dns_config.fqdn == f"{name}.trafficmanager.net"
        assert [e.name for e in created.endpoints] == ["us", "eu"]
        assert created.type == "Microsoft.Network/trafficManagerProfiles"
        fetched = client.profiles.get(RG, name)
        assert fetched.monitor_config.tolerated_number_of_failures == 1
        patched = client.profiles.update(RG, name, Profile(dns_config=DnsConfig(ttl=60)))
        assert patched.dns_config.ttl == 60
        assert name in [p.name for p in client.profiles.list_by_resource_group(RG)]
        assert name in [p.name for p in client.profiles.list_by_subscription()]
        client.profiles.delete(RG, name)
        with pytest.raises(ResourceNotFoundError):
            client.profiles.get(RG, name)


def test_list_follows_next_link_pages(tm_client: Any) -> None:
    """On 2026-09-01 the twin pages by nextLink (2 per page here) and the SDK follows it."""
    names = sorted(p.name for p in tm_client.profiles.list_by_resource_group(RG))
    assert names == ["myapp", "myapp-eu", "myapp-na"]


def test_disable_and_enable_endpoint_changes_monitor_status(
    twin: TwinThread, tm_client: Any
) -> None:
    """Disabling an endpoint reports Disabled; enabling it probes it back to Online."""
    kind = "ExternalEndpoints"
    wait_for(lambda: tm_client.endpoints.get(RG, "myapp-na", kind, "us").endpoint_monitor_status
             == "Online", 5)  # fmt: skip
    updated = tm_client.endpoints.update(
        RG, "myapp-na", kind, "us", Endpoint(endpoint_status="Disabled")
    )
    assert updated.endpoint_monitor_status == "Disabled"
    assert tm_client.endpoints.get(RG, "myapp-na", kind, "us").endpoint_status == "Disabled"
    tm_client.endpoints.update(RG, "myapp-na", kind, "us", Endpoint(endpoint_status="Enabled"))
    status = wait_for(
        lambda: (
            tm_client.endpoints.get(RG, "myapp-na", kind, "us").endpoint_monitor_status == "Online"
        ),
        5,
    )
    assert status


def test_nested_profile_reports_child_status(tm_client: Any) -> None:
    """The parent's nested endpoints and profile status follow their children."""
    wait_for(lambda: tm_client.profiles.get(RG, "myapp").monitor_config.profile_monitor_status
             == "Online", 5)  # fmt: skip
    parent = tm_client.profiles.get(RG, "myapp")
    assert {e.name: e.endpoint_monitor_status for e in parent.endpoints} == {
        "na": "Online",
        "eu": "Online",
    }
    assert parent.traffic_routing_method == "Geographic"


def test_endpoint_crud_of_each_type(tm_client: Any) -> None:
    """External, Azure and Nested endpoints can be created, read and deleted."""
    kinds = {
        "ExternalEndpoints": Endpoint(target="eu.ingress.sandbox.test", priority=10),
        "AzureEndpoints": Endpoint(target_resource_id="/subscriptions/0/resourceGroups/r/providers"
                                   "/Microsoft.Network/publicIPAddresses/ip", priority=11),
        "NestedEndpoints": Endpoint(target_resource_id="/subscriptions/00000000-0000-0000-0000-"
                                    "000000000000/resourceGroups/rg-sandbox/providers/Microsoft."
                                    "Network/trafficManagerProfiles/myapp-eu", priority=12,
                                    min_child_endpoints=1),
    }  # fmt: skip
    for kind, body in kinds.items():
        created = tm_client.endpoints.create_or_update(RG, "myapp-na", kind, f"x-{kind}", body)
        assert created.type.lower() == f"microsoft.network/trafficmanagerprofiles/{kind}".lower()
        assert tm_client.endpoints.get(RG, "myapp-na", kind, f"x-{kind}").priority == body.priority
        tm_client.endpoints.delete(RG, "myapp-na", kind, f"x-{kind}")
        with pytest.raises(ResourceNotFoundError):
            tm_client.endpoints.get(RG, "myapp-na", kind, f"x-{kind}")


def test_name_availability_both_versions(tm_client: Any) -> None:
    """A taken relative name is reported AlreadyExists by the V1 and V2 operations."""
    params = CheckTrafficManagerRelativeDnsNameAvailabilityParameters(
        name="myapp", type="Microsoft.Network/trafficManagerProfiles"
    )
    for check in (
        tm_client.profiles.check_traffic_manager_relative_dns_name_availability,
        tm_client.profiles.check_traffic_manager_name_availability_v2,
    ):
        answer = check(params)
        assert answer.name_available is False
        assert answer.reason == "AlreadyExists"
    params.name = "free-name-4711"
    assert tm_client.profiles.check_traffic_manager_name_availability_v2(params).name_available


def test_geographic_hierarchy_is_the_documented_tree(tm_client: Any) -> None:
    """The default hierarchy holds WORLD, its eight groups, and US-NY under US under GEO-NA."""
    root = tm_client.geographic_hierarchies.get_default().geographic_hierarchy
    assert root.code == "WORLD"
    groups = {r.code: r for r in root.regions}
    assert set(groups) == {"GEO-EU", "GEO-ME", "GEO-NA", "GEO-AS", "GEO-AF", "GEO-AN",
                           "GEO-SA", "GEO-AP"}  # fmt: skip
    us = next(r for r in groups["GEO-NA"].regions if r.code == "US")
    assert "US-NY" in {r.code for r in us.regions}
    assert "FR" in {r.code for r in groups["GEO-EU"].regions}


def test_wrong_token_is_401(twin: TwinThread) -> None:
    """A token the twin did not issue is refused with 401."""
    with (
        _client(twin, token="not-the-token") as client,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        client.profiles.get(RG, "myapp")
    assert caught.value.status_code == 401


def test_validation_error_reaches_the_sdk(tm_client: Any) -> None:
    """An invalid probe interval is a 400 whose ARM message the SDK surfaces."""
    body = _profile("bad-interval", 80)
    body.monitor_config.interval_in_seconds = 20
    with pytest.raises(HttpResponseError) as caught:
        tm_client.profiles.create_or_update(RG, "bad-interval", body)
    assert caught.value.status_code == 400
    assert "intervalInSeconds" in str(caught.value.message)
