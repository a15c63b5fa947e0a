"""DNS routing over the twin's profiles: which leaf endpoints answer a client, per routing method.

Nested endpoints are traversed to a leaf. Degraded endpoints are skipped unless every eligible one
is Degraded; a Geographic mapping is answered even when Degraded (it never fails over), and a
Stopped match answers NODATA without looking further up the hierarchy. Performance spreads the
clients of the closest region evenly, and deterministically per client address.
"""

from __future__ import annotations

import ipaddress
import random
import zlib
from dataclasses import dataclass

from drillkit.sandbox.geography import lineage
from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.state import Endpoint, Profile, Store

_MAX_DEPTH = 10
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Client:
    """Where Traffic Manager believes the client is."""

    address: IpAddress
    country: str | None = None
    state: str | None = None

    def regions(self) -> list[str]:
        """Most specific first: state, country, GEO group, WORLD."""
        return lineage(self.state or self.country or "WORLD")


@dataclass(frozen=True)
class Leaf:
    """An endpoint that ends up in the DNS answer."""

    profile: Profile
    endpoint: Endpoint


def route(
    store: Store,
    profile: Profile,
    client: Client,
    latencies: dict[str, dict[str, float]],
    *,
    rng: random.Random | None = None,
    depth: int = 0,
) -> list[Leaf]:
    """The leaf endpoints answering ``client``; empty means NODATA. ``rng=None``: deterministic."""
    if depth > _MAX_DEPTH:
        return []
    statuses = {id(e): monitor.endpoint_status(store, profile, e) for e in profile.endpoints}
    eligible = [e for e in profile.endpoints if e.enabled and statuses[id(e)] not in _NOT_SERVED]
    healthy = [e for e in eligible if statuses[id(e)] in monitor.SERVING]
    usable = healthy or eligible  # every eligible one Degraded: answer as if Online
    method = profile.routing
    if method == "Geographic":
        chosen = _geographic(profile.endpoints, statuses, client)
    elif method == "Priority":
        chosen = sorted(usable, key=lambda e: int(e.properties.get("priority") or 1000))[:1]
    elif method == "Weighted":
        chosen = _weighted(usable, rng)
    elif method == "Performance":
        chosen = _performance(usable, client, latencies)
    elif method == "Subnet":
        chosen = _subnet(eligible, usable, client)
    else:  # MultiValue
        chosen = [e for e in usable if e.kind != "nestedEndpoints" and _is_ip(e.target)]
        chosen = chosen[: int(profile.properties.get("maxReturn") or 2)]
    leaves: list[Leaf] = []
    for endpoint in chosen:
        if endpoint.kind == "nestedEndpoints":
            child = store.child_of(endpoint)
            if child is not None and child.enabled:
                leaves += route(store, child, client, latencies, rng=rng, depth=depth + 1)
        elif endpoint.target:
            leaves.append(Leaf(profile, endpoint))
    return leaves


_NOT_SERVED = frozenset({monitor.DISABLED, monitor.STOPPED, monitor.INACTIVE})


def _is_ip(target: str | None) -> bool:
    try:
        ipaddress.ip_address(target or "")
    except ValueError:
        return False
    return True


def _geographic(
    endpoints: list[Endpoint], statuses: dict[int, str], client: Client
) -> list[Endpoint]:
    by_code: dict[str, Endpoint] = {}
    for endpoint in endpoints:
        if statuses[id(endpoint)] == monitor.DISABLED:
            continue  # a Disabled endpoint takes no part in the region matching
        for code in endpoint.properties.get("geoMapping") or []:
            by_code[str(code).upper()] = endpoint
    for code in client.regions():
        if code in by_code:
            match = by_code[code]
            # The match is answered whatever its health; a Stopped match is NODATA, and the
            # lookup does not go further up the hierarchy.
            return [] if statuses[id(match)] in _NOT_SERVED else [match]
    return []


def _weighted(usable: list[Endpoint], rng: random.Random | None) -> list[Endpoint]:
    if not usable:
        return []
    weights = [int(e.properties.get("weight") or 1) for e in usable]
    if rng is None:
        return [usable[weights.index(max(weights))]]
    return rng.choices(usable, weights=weights, k=1)


def _performance(
    usable: list[Endpoint], client: Client, latencies: dict[str, dict[str, float]]
) -> list[Endpoint]:
    table = {k.lower(): v for k, v in latencies.get(client.country or "", {}).items()}

    def location(endpoint: Endpoint) -> str:
        return str(endpoint.properties.get("endpointLocation") or "").replace(" ", "").lower()

    if not usable:
        return []
    best = min(table.get(location(e), float("inf")) for e in usable)
    closest = [e for e in usable if table.get(location(e), float("inf")) == best]
    # Evenly across the closest region's endpoints, the same one for the same client.
    return [closest[zlib.crc32(client.address.packed) % len(closest)]]


def _subnet(eligible: list[Endpoint], usable: list[Endpoint], client: Client) -> list[Endpoint]:
    """The endpoint whose ranges hold the client, else the one without ranges; nothing (the
    caller answers NXDOMAIN) when that endpoint is unhealthy. Disabled ones do not exist here."""
    mapped = next(
        (
            e
            for e in eligible
            if any(_in_subnet(client.address, s) for s in e.properties.get("subnets") or [])
        ),
        None,
    )
    if mapped is None:
        mapped = next((e for e in eligible if not e.properties.get("subnets")), None)
    return [mapped] if mapped is not None and mapped in usable else []


def nxdomain_when_empty(profile: Profile) -> bool:
    """Subnet routing answers NXDOMAIN, not NODATA, when no endpoint answers (FAQ)."""
    return profile.routing == "Subnet"


def _in_subnet(address: IpAddress, subnet: dict[str, object]) -> bool:
    first = ipaddress.ip_address(str(subnet["first"]))
    if first.version != address.version:
        return False
    if subnet.get("scope") is not None:
        network = ipaddress.ip_network(f"{first}/{subnet['scope']}", strict=False)
        return address in network
    last = ipaddress.ip_address(str(subnet.get("last") or first))
    return int(first) <= int(address) <= int(last)
