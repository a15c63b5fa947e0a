"""ARM JSON shapes of profiles and endpoints, with the monitor statuses filled in."""

from __future__ import annotations

import copy

from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.state import DNS_ZONE, PROFILE_TYPE, Endpoint, Json, Profile, Store

# Properties that only the newer api-version knows.
_NEW_PROFILE_PROPS = ("recordType",)
OLD_API = "2022-04-01"


def endpoint_id(profile: Profile, endpoint: Endpoint) -> str:
    return f"{profile.id}/{endpoint.kind}/{endpoint.name}"


def endpoint_json(store: Store, profile: Profile, endpoint: Endpoint) -> Json:
    """An endpoint as ARM returns it."""
    props = copy.deepcopy(endpoint.properties)
    props["endpointMonitorStatus"] = monitor.endpoint_status(store, profile, endpoint)
    props.setdefault("customHeaders", [])
    body: Json = {
        "id": endpoint_id(profile, endpoint),
        "name": endpoint.name,
        "type": f"{PROFILE_TYPE}/{endpoint.kind}",
        "properties": props,
    }
    if endpoint.system_data:
        body["systemData"] = copy.deepcopy(endpoint.system_data)
    return body


def profile_json(store: Store, profile: Profile, api_version: str) -> Json:
    """A profile as ARM returns it, endpoints included."""
    props = copy.deepcopy(profile.properties)
    if api_version == OLD_API:
        for name in _NEW_PROFILE_PROPS:
            props.pop(name, None)
    props["dnsConfig"]["fqdn"] = f"{profile.relative_name}.{DNS_ZONE}"
    props["monitorConfig"]["profileMonitorStatus"] = monitor.profile_status(store, profile)
    # ARM lists these as empty rather than leaving them out.
    props["monitorConfig"].setdefault("customHeaders", [])
    props["monitorConfig"].setdefault("expectedStatusCodeRanges", [])
    props["endpoints"] = [endpoint_json(store, profile, e) for e in profile.endpoints]
    body: Json = {
        "id": profile.id,
        "name": profile.name,
        "type": PROFILE_TYPE,
        "location": "global",
        "tags": copy.deepcopy(profile.tags),
        "properties": props,
    }
    if profile.system_data:
        body["systemData"] = copy.deepcopy(profile.system_data)
    return body


def merge(base: Json, patch: Json) -> Json:
    """JSON merge of ``patch`` into a copy of ``base`` (dicts merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
