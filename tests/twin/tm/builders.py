"""Small builders of stored profiles for the pure routing and monitor tests."""

from __future__ import annotations

from typing import Any

from drillkit.sandbox.tm.state import Endpoint, Profile, Store, endpoint_key

SUB, RG = "sub", "rg"


def endpoint(name: str, kind: str = "externalEndpoints", **props: Any) -> Endpoint:
    """An enabled endpoint targeting ``<name>.example`` unless told otherwise."""
    props.setdefault("target", f"{name}.example")
    props.setdefault("endpointStatus", "Enabled")
    return Endpoint(kind, name, props)


def profile(store: Store, name: str, routing: str, *endpoints: Endpoint, **props: Any) -> Profile:
    """Store a profile with ``endpoints`` and return it."""
    properties = {
        "profileStatus": "Enabled",
        "trafficRoutingMethod": routing,
        "dnsConfig": {"relativeName": name, "ttl": 30},
        "monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/"},
        **props,
    }
    stored = Profile(SUB, RG, name, properties, list(endpoints))
    store.put(stored)
    return stored


def nested(name: str, child: str, **props: Any) -> Endpoint:
    """A nested endpoint pointing at the profile ``child`` in the same resource group."""
    group = f"/subscriptions/{SUB}/resourceGroups/{RG}"
    resource = f"{group}/providers/Microsoft.Network/trafficManagerProfiles/{child}"
    return endpoint(name, "nestedEndpoints", target=None, targetResourceId=resource, **props)


def probe(store: Store, owner: Profile, name: str, state: str) -> None:
    """Record a raw probe result for ``owner``'s endpoint ``name``."""
    found = owner.endpoint(name)
    assert found is not None
    store.set_probe_state(endpoint_key(owner, found), state)
