"""The Traffic Manager twin's in-memory state: profiles, endpoints and probe results."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DNS_ZONE = "trafficmanager.net"
PROFILE_TYPE = "Microsoft.Network/trafficManagerProfiles"
# Lower-case path segment -> the camel-case segment ARM uses in ids and types.
ENDPOINT_KINDS = {
    "azureendpoints": "azureEndpoints",
    "externalendpoints": "externalEndpoints",
    "nestedendpoints": "nestedEndpoints",
}
_PROFILE_ID = re.compile(
    r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Network/"
    r"trafficManagerProfiles/([^/]+)$",
    re.IGNORECASE,
)

Json = dict[str, Any]
ProfileKey = tuple[str, str, str]


@dataclass
class Endpoint:
    """One endpoint as stored; ``kind`` is the camel-case segment (``externalEndpoints``)."""

    kind: str
    name: str
    properties: Json
    system_data: Json = field(default_factory=dict)
    """ARM's systemData (``system_data.py``): who created and last modified it."""

    @property
    def enabled(self) -> bool:
        return str(self.properties.get("endpointStatus", "Enabled")).lower() != "disabled"

    @property
    def target(self) -> str | None:
        value = self.properties.get("target")
        return str(value) if value else None


@dataclass
class Profile:
    """One profile as stored (its endpoints live in ``endpoints``, not in ``properties``)."""

    subscription: str
    resource_group: str
    name: str
    properties: Json
    endpoints: list[Endpoint] = field(default_factory=list)
    tags: Json = field(default_factory=dict)
    system_data: Json = field(default_factory=dict)
    """ARM's systemData (``system_data.py``): who created and last modified it."""

    @property
    def key(self) -> ProfileKey:
        return profile_key(self.subscription, self.resource_group, self.name)

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/{PROFILE_TYPE}/{self.name}"
        )

    @property
    def relative_name(self) -> str:
        return str(self.properties.get("dnsConfig", {}).get("relativeName", "")).lower()

    @property
    def enabled(self) -> bool:
        return str(self.properties.get("profileStatus", "Enabled")).lower() != "disabled"

    @property
    def routing(self) -> str:
        return str(self.properties.get("trafficRoutingMethod", "Priority"))

    @property
    def monitor(self) -> Json:
        value: Json = self.properties.get("monitorConfig", {})
        return value

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name.lower() == name.lower()), None)


def profile_key(subscription: str, resource_group: str, name: str) -> ProfileKey:
    """The case-insensitive identity of a profile."""
    return (subscription.lower(), resource_group.lower(), name.lower())


def endpoint_key(profile: Profile, endpoint: Endpoint) -> tuple[ProfileKey, str]:
    """The case-insensitive identity of an endpoint (endpoint names are unique per profile)."""
    return (profile.key, endpoint.name.lower())


class Store:
    """All profiles plus the prober's raw results; listeners hear about every change."""

    def __init__(self) -> None:
        self.profiles: dict[ProfileKey, Profile] = {}
        # Raw probe outcome per endpoint: CheckingEndpoint, Online or Degraded.
        self.probe_states: dict[tuple[ProfileKey, str], str] = {}
        self.version = 0
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change (ARM write or probe result)."""
        self._listeners.append(listener)

    def changed(self) -> None:
        """Bump the version and tell every listener."""
        self.version += 1
        for listener in list(self._listeners):
            listener()

    def put(self, profile: Profile) -> None:
        self.profiles[profile.key] = profile
        self.changed()

    def delete(self, key: ProfileKey) -> Profile | None:
        removed = self.profiles.pop(key, None)
        if removed is not None:
            for ep_key in [k for k in self.probe_states if k[0] == key]:
                del self.probe_states[ep_key]
            self.changed()
        return removed

    def set_probe_state(self, key: tuple[ProfileKey, str], state: str) -> None:
        if self.probe_states.get(key) != state:
            self.probe_states[key] = state
            self.changed()

    def by_relative_name(self, relative_name: str) -> Profile | None:
        wanted = relative_name.lower()
        return next((p for p in self.profiles.values() if p.relative_name == wanted), None)

    def child_of(self, endpoint: Endpoint) -> Profile | None:
        """The profile a nested endpoint points at (by targetResourceId, else by target FQDN)."""
        resource_id = endpoint.properties.get("targetResourceId")
        if resource_id:
            match = _PROFILE_ID.match(str(resource_id))
            if match:
                return self.profiles.get(profile_key(*match.groups()))
        target = (endpoint.target or "").lower().rstrip(".")
        suffix = "." + DNS_ZONE
        if target.endswith(suffix):
            return self.by_relative_name(target[: -len(suffix)])
        return None
