"""ARM bodies for the profiles a world file declares (validated like any client's PUT)."""

from __future__ import annotations

from drillkit.sandbox.tm.state import DNS_ZONE, PROFILE_TYPE, Json
from drillkit.sandbox.world import TmEndpoint, TmProfile, TrafficManager


def top_profile(tm: TrafficManager) -> str | None:
    """The first profile no other profile nests: the one clients resolve."""
    nested = {
        e.target.lower() for p in tm.profiles for e in p.endpoints if e.type == "NestedEndpoints"
    }
    return next((p.name for p in tm.profiles if p.name.lower() not in nested), None)


def profile_body(tm: TrafficManager, profile: TmProfile, port: int) -> Json:
    """The PUT body of one world profile; ``port`` is the shared ingress port."""
    mon = tm.monitor
    return {
        "location": "global",
        "properties": {
            "profileStatus": "Enabled",
            "trafficRoutingMethod": profile.routing_method,
            "dnsConfig": {"relativeName": profile.name, "ttl": profile.ttl},
            "monitorConfig": {
                "protocol": mon.protocol,
                "port": port,
                "path": None if mon.protocol == "TCP" else mon.path,
                "intervalInSeconds": mon.interval_in_seconds,
                "timeoutInSeconds": mon.timeout_in_seconds,
                "toleratedNumberOfFailures": mon.tolerated_number_of_failures,
            },
            **({"maxReturn": 8} if profile.routing_method == "MultiValue" else {}),
            "endpoints": [_endpoint(tm, e) for e in profile.endpoints],
        },
    }


def _endpoint(tm: TrafficManager, endpoint: TmEndpoint) -> Json:
    props: Json = {"endpointStatus": "Enabled"}
    if endpoint.type == "NestedEndpoints":
        props["targetResourceId"] = (
            f"/subscriptions/{tm.subscription_id}/resourceGroups/{tm.resource_group}"
            f"/providers/{PROFILE_TYPE}/{endpoint.target}"
        )
        props["target"] = f"{endpoint.target.lower()}.{DNS_ZONE}"
        props["minChildEndpoints"] = endpoint.min_child_endpoints
    elif endpoint.type == "AzureEndpoints":
        props["targetResourceId"] = (
            f"/subscriptions/{tm.subscription_id}/resourceGroups/{tm.resource_group}"
            f"/providers/Microsoft.Network/publicIPAddresses/{endpoint.name}"
        )
        props["target"] = endpoint.target
    else:
        props["target"] = endpoint.target
    for key, value in (
        ("priority", endpoint.priority),
        ("weight", endpoint.weight),
        ("endpointLocation", endpoint.endpoint_location),
    ):
        if value is not None:
            props[key] = value
    if endpoint.geo_mapping:
        props["geoMapping"] = list(endpoint.geo_mapping)
    return {"name": endpoint.name, "type": f"{PROFILE_TYPE}/{endpoint.type}", "properties": props}
