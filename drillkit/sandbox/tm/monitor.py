"""The monitor-status state machine: endpoint and profile statuses as Traffic Manager reports them.

Raw probe results (CheckingEndpoint, Online, Degraded) come from the prober; configuration
(disabled profile or endpoint, alwaysServe, nested children) is layered on top here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from drillkit.sandbox.tm.state import Endpoint, Profile, Store, endpoint_key

CHECKING = "CheckingEndpoint"
ONLINE = "Online"
DEGRADED = "Degraded"
DISABLED = "Disabled"
INACTIVE = "Inactive"
STOPPED = "Stopped"
UNMONITORED = "Unmonitored"
# Statuses DNS answers with; Degraded ones only when nothing better exists.
SERVING = frozenset({CHECKING, ONLINE, UNMONITORED})
_MAX_NESTING = 10


@dataclass
class ProbeCounter:
    """Consecutive-failure bookkeeping for one endpoint (the documented transitions)."""

    tolerated: int
    state: str = CHECKING
    failures: int = 0

    def record(self, success: bool) -> str:
        """Apply one probe result and return the new raw state.

        CheckingEndpoint lasts until "the results of the first probe" are in (monitoring docs):
        a failed first probe is Degraded at once; later, only more than ``tolerated``
        consecutive failures are.
        """
        if success:
            self.failures = 0
            self.state = ONLINE
        else:
            self.failures += 1
            if self.state == CHECKING or self.failures > self.tolerated:
                self.state = DEGRADED
        return self.state


def aggregate(states: list[str]) -> str:
    """One endpoint's status from its probe agents: CheckingEndpoint until an agent has a result;
    then Online while at least half of the agents with a result see it up ("The status should
    only be a concern if less than 50% (0.5) of probes publish an up status")."""
    reported = [s for s in states if s != CHECKING]
    if not reported:
        return CHECKING
    up = sum(s == ONLINE for s in reported)
    return ONLINE if up * 2 >= len(reported) else DEGRADED


def probes(profile: Profile, endpoint: Endpoint) -> bool:
    """Whether the prober should probe this endpoint at all."""
    if not profile.enabled or not endpoint.enabled or endpoint.kind == "nestedEndpoints":
        return False
    if str(endpoint.properties.get("alwaysServe", "Disabled")).lower() == "enabled":
        return False
    return endpoint.target is not None


def endpoint_status(store: Store, profile: Profile, endpoint: Endpoint, depth: int = 0) -> str:
    """The endpointMonitorStatus ARM reports for ``endpoint``."""
    if not profile.enabled:
        return INACTIVE
    if not endpoint.enabled:
        return DISABLED
    if str(endpoint.properties.get("alwaysServe", "Disabled")).lower() == "enabled":
        return UNMONITORED
    if endpoint.kind == "nestedEndpoints":
        return _nested_status(store, endpoint, depth)
    if endpoint.target is None:
        # An Azure endpoint whose resource exposes no DNS name is not running.
        return STOPPED
    return store.probe_states.get(endpoint_key(profile, endpoint), CHECKING)


def _nested_status(store: Store, endpoint: Endpoint, depth: int) -> str:
    child = store.child_of(endpoint)
    if child is None or depth >= _MAX_NESTING:
        return DEGRADED
    if not child.enabled:
        return STOPPED
    statuses = [endpoint_status(store, child, e, depth + 1) for e in child.endpoints]
    if all(s in (DISABLED, STOPPED) for s in statuses):
        return STOPPED  # the child is Inactive (nested-profiles docs: parent shows Stopped)
    online = [
        e for e, s in zip(child.endpoints, statuses, strict=True) if s in (ONLINE, UNMONITORED)
    ]
    checking = [e for e, s in zip(child.endpoints, statuses, strict=True) if s == CHECKING]
    if _enough(endpoint, online):
        return ONLINE
    if _enough(endpoint, online + checking):
        return CHECKING
    return DEGRADED


def _enough(endpoint: Endpoint, available: list[Endpoint]) -> bool:
    """minChildEndpoints overall, and minChildEndpointsIPv4/IPv6 among A/AAAA children."""
    props = endpoint.properties
    families = [_family(e.target) for e in available]
    return (
        len(available) >= int(props.get("minChildEndpoints") or 1)
        and families.count(4) >= int(props.get("minChildEndpointsIPv4") or 0)
        and families.count(6) >= int(props.get("minChildEndpointsIPv6") or 0)
    )


def _family(target: str | None) -> int:
    try:
        return ipaddress.ip_address(target or "").version
    except ValueError:
        return 0


def profile_status(store: Store, profile: Profile) -> str:
    """The profileMonitorStatus ARM reports (the documented table)."""
    if not profile.enabled:
        return DISABLED
    statuses = [endpoint_status(store, profile, e) for e in profile.endpoints]
    if any(s == DEGRADED for s in statuses):
        return DEGRADED
    if any(s in (ONLINE, UNMONITORED) for s in statuses):
        return ONLINE
    if any(s == CHECKING for s in statuses):
        return "CheckingEndpoints"
    return INACTIVE
