"""The Traffic Manager design as read from ARM (a typed profile tree), the checks that refuse a
drill whose design can never fail over, and the failover windows predicted from Microsoft's
documented probing rules. Pure: no I/O, no clock.

Sources (learn.microsoft.com/azure/traffic-manager/):
- traffic-manager-monitoring, "Endpoint failover and recovery": a failed probe is retried at the
  probing interval; "After a fourth consecutive failure [tolerated 3], the monitoring system marks
  the unavailable endpoint status as Degraded", then "The Traffic Manager DNS name servers are
  updated"; "previous DNS responses ... may still be cached ... The cache duration is controlled
  by the TTL setting".
- traffic-manager-routing-methods / -monitoring, "Geographic": "If that endpoint is unavailable,
  another endpoint will not be selected to failover to"; nested profiles are the remedy.
- traffic-manager-nested-profiles: a nested endpoint is Online while its child has at least
  ``minChildEndpoints`` healthy endpoints.
- Always Serve: "If Always Serve is enabled, probing for endpoint health will be disabled".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

SERVING = frozenset({"Online", "CheckingEndpoint"})
GEO_LIKE = frozenset({"Geographic", "Subnet"})  # one endpoint per client location: no failover


@dataclass(frozen=True, slots=True)
class Monitor:
    """A profile's monitorConfig (seconds) and its profileMonitorStatus."""

    protocol: str = "HTTP"
    port: int = 80
    path: str | None = "/"
    interval_s: int = 30
    timeout_s: int = 10
    tolerated_failures: int = 3
    status: str = "Online"


@dataclass(frozen=True, slots=True)
class DesignEndpoint:
    """One endpoint of a profile; ``child`` is the nested profile of a NestedEndpoints."""

    name: str
    type: str  # AzureEndpoints | ExternalEndpoints | NestedEndpoints
    target: str = ""
    endpoint_status: str = "Enabled"
    monitor_status: str = "Online"
    always_serve: bool = False
    min_child_endpoints: int | None = None
    priority: int | None = None
    weight: int | None = None
    geo_mapping: tuple[str, ...] = ()
    child: DesignProfile | None = None
    modified_by: str = ""
    """ARM's ``systemData.lastModifiedBy`` (and its type), where Azure returns it."""


@dataclass(frozen=True, slots=True)
class DesignProfile:
    """One Traffic Manager profile and its endpoints (children resolved)."""

    name: str
    routing_method: str
    ttl_s: int
    monitor: Monitor
    status: str = "Enabled"
    fqdn: str = ""
    endpoints: tuple[DesignEndpoint, ...] = ()
    modified_by: str = ""
    """ARM's ``systemData.lastModifiedBy`` (and its type), where Azure returns it."""


def normalise_target(value: str) -> str:
    """A host name lower-cased without the root dot, an IP address in canonical form."""
    text = value.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def region_of_answer(
    answers: Sequence[str], ingresses: Mapping[str, str | Sequence[str]]
) -> str | None:
    """The region whose ingress (host name or IP) appears among a DNS answer's CNAME targets or
    A/AAAA addresses; None when no region's does."""
    wanted = {
        normalise_target(target): region
        for region, targets in ingresses.items()
        for target in ([targets] if isinstance(targets, str) else targets)
    }
    for answer in answers:
        region = wanted.get(normalise_target(answer))
        if region is not None:
            return region
    return None


def leaves(profile: DesignProfile) -> Iterator[tuple[DesignProfile, DesignEndpoint]]:
    """Every non-nested endpoint of the tree, with the profile that holds it."""
    for endpoint in profile.endpoints:
        if endpoint.child is not None:
            yield from leaves(endpoint.child)
        elif endpoint.type != "NestedEndpoints":
            yield profile, endpoint


def regions_reached(endpoint: DesignEndpoint, ingresses: Mapping[str, Sequence[str]]) -> set[str]:
    """The regions an endpoint can send clients to (through its child, for a nested one)."""
    if endpoint.child is None:
        region = region_of_answer([endpoint.target], ingresses)
        return {region} if region else set()
    reached: set[str] = set()
    for child in endpoint.child.endpoints:
        if child.endpoint_status != "Disabled":
            reached |= regions_reached(child, ingresses)
    return reached


def _online_after(
    endpoint: DesignEndpoint, down: str, ingresses: Mapping[str, Sequence[str]]
) -> bool:
    """Whether ``endpoint`` stays Online once region ``down`` fails its probes."""
    if endpoint.endpoint_status == "Disabled":
        return False
    if endpoint.child is None:
        region = region_of_answer([endpoint.target], ingresses)
        return region != down and endpoint.monitor_status in SERVING
    healthy = sum(_online_after(c, down, ingresses) for c in endpoint.child.endpoints)
    return healthy >= (endpoint.min_child_endpoints or 1)


def _where(profile: DesignProfile, endpoint: DesignEndpoint) -> str:
    return f"profile {profile.name} endpoint {endpoint.name}"


def design_refusals(
    root: DesignProfile,
    target: str,
    survivors: Sequence[str],
    ingresses: Mapping[str, Sequence[str]],
) -> list[str]:
    """Why a drill of ``target`` would measure nothing or could never fail over; empty when the
    design can fail over. Each reason names the profile and endpoint and what to change."""
    problems: list[str] = []
    target_leaves = [
        (p, e) for p, e in leaves(root) if region_of_answer([e.target], ingresses) == target
    ]
    if not target_leaves:
        problems.append(
            f"no endpoint of profile {root.name} or its children targets region {target}'s "
            f"ingress {', '.join(ingresses.get(target, ()))}; fix regions.{target}.ingress"
        )
    serving = [(p, e) for p, e in target_leaves if _serving(e)]
    if target_leaves and not serving:
        states = "; ".join(f"{_where(p, e)} is {_state(e)}" for p, e in target_leaves)
        problems.append(
            f"the target {target} is not serving now ({states}): a drill would measure nothing; "
            "bring it back to Online first"
        )
    for profile, endpoint in target_leaves:
        if endpoint.always_serve:
            problems.append(
                f"{_where(profile, endpoint)} has Always Serve enabled, which disables its health "
                "probes: Traffic Manager keeps answering it when it is down; set alwaysServe to "
                "Disabled"
            )
    for region in survivors:
        for profile, endpoint in leaves(root):
            if region_of_answer([endpoint.target], ingresses) != region:
                continue
            if not _serving(endpoint):
                problems.append(
                    f"survivor {region} is not serving now: {_where(profile, endpoint)} is "
                    f"{_state(endpoint)}; fix it (or enable it) before the drill"
                )
    problems.extend(_never_fails_over(root, target, ingresses))
    return problems


def _serving(endpoint: DesignEndpoint) -> bool:
    return endpoint.endpoint_status != "Disabled" and endpoint.monitor_status in SERVING


def _state(endpoint: DesignEndpoint) -> str:
    if endpoint.endpoint_status == "Disabled":
        return "Disabled"
    return endpoint.monitor_status


def _never_fails_over(
    profile: DesignProfile, target: str, ingresses: Mapping[str, Sequence[str]]
) -> list[str]:
    problems: list[str] = []
    for endpoint in profile.endpoints:
        reached = regions_reached(endpoint, ingresses)
        if endpoint.endpoint_status == "Disabled" or target not in reached:
            continue
        if profile.routing_method in GEO_LIKE and reached == {target}:
            mapped = ", ".join(endpoint.geo_mapping) or "its mapped clients"
            problems.append(
                f"{_where(profile, endpoint)} is a {profile.routing_method} endpoint that reaches "
                f"only {target}: Traffic Manager never fails {mapped} over to another endpoint; "
                "point it at a nested child profile (Priority) with the survivor second"
            )
        elif endpoint.child is not None and endpoint.min_child_endpoints:
            left = sum(_online_after(c, target, ingresses) for c in endpoint.child.endpoints)
            if left < endpoint.min_child_endpoints and reached - {target}:
                problems.append(
                    f"{_where(profile, endpoint)} needs minChildEndpoints="
                    f"{endpoint.min_child_endpoints} but only {left} endpoint(s) of child "
                    f"{endpoint.child.name} stay Online while {target} is down, so the nested "
                    f"endpoint turns Degraded; set minChildEndpoints to {max(left, 1)}"
                )
        if endpoint.child is not None:
            problems.extend(_never_fails_over(endpoint.child, target, ingresses))
    return problems


@dataclass(frozen=True, slots=True)
class Window:
    """A predicted interval, in real-world seconds after the target stops answering probes."""

    earliest_s: float
    latest_s: float

    def contains(self, value: float, slack_s: float = 0.0) -> bool:
        return self.earliest_s - slack_s <= value <= self.latest_s + slack_s


@dataclass(frozen=True, slots=True)
class Prediction:
    """When Traffic Manager should mark the target Degraded, when its name servers should stop
    answering it, and when every client should have moved (flip + TTL)."""

    detection: Window
    dns_flip: Window
    client: Window
    ttl_s: int
    basis: str

    def to_dict(self) -> dict[str, object]:
        return {
            "detectionS": [self.detection.earliest_s, self.detection.latest_s],
            "dnsFlipS": [self.dns_flip.earliest_s, self.dns_flip.latest_s],
            "clientS": [self.client.earliest_s, self.client.latest_s],
            "ttlS": self.ttl_s,
            "basis": self.basis,
        }


def target_monitor(
    root: DesignProfile, target: str, ingresses: Mapping[str, Sequence[str]]
) -> tuple[Monitor, int]:
    """The monitor settings of the profile holding the target's first leaf, and the root TTL
    (the TTL clients cache)."""
    for profile, endpoint in leaves(root):
        if region_of_answer([endpoint.target], ingresses) == target:
            return profile.monitor, root.ttl_s
    return root.monitor, root.ttl_s


PROPAGATION_S = 60.0
"""Name servers take a change "within one minute" (traffic-manager-routing-methods: "Changes
are applied within one minute, and no downtime is incurred")."""
PROBE_JITTER = 0.1
"""Allowance for probe agents whose interval varies (Traffic Manager "probes from multiple
locations"; the twin's agents vary theirs by up to 10 %): an assumption, not a documented value."""


def predict(
    monitor: Monitor,
    ttl_s: int,
    *,
    fault: str = "outage",
    propagation_s: float = 0.0,
    jitter: float = 0.0,
) -> Prediction:
    """The windows for a target that stops answering probes at time 0.

    Probes run every ``interval``; the first failing one starts within one interval (the phase
    is unknown) and a timed-out probe fails ``timeout`` later, a refused or 5xx one at once. The
    endpoint turns Degraded at the (tolerated + 1)-th consecutive failure: earliest
    ``tolerated * interval``, latest ``(tolerated + 1) * interval + timeout``, each interval
    off by up to ``jitter``. The name servers flip from then until ``propagation_s`` later
    (:data:`PROPAGATION_S` for real Azure). A disabled endpoint is not probed: its flip is a
    configuration change. Clients behind caches move up to one TTL later."""
    interval, timeout, tolerated = monitor.interval_s, monitor.timeout_s, monitor.tolerated_failures
    if fault == "disable-endpoint":
        detection = Window(0.0, 0.0)
        basis = "disable-endpoint: no probing; a configuration change"
    else:
        detection = Window(
            round(tolerated * interval * (1 - jitter), 3),
            round((tolerated + 1) * interval * (1 + jitter) + timeout, 3),
        )
        basis = (
            f"probes every {interval} s, Degraded at the {tolerated + 1}th consecutive failure "
            f"(tolerated {tolerated}), probe timeout {timeout} s"
        )
        if jitter:
            basis += f", intervals +/-{jitter:.0%}"
    if propagation_s:
        basis += f", name servers updated within {propagation_s:g} s"
    basis += f", TTL {ttl_s} s"
    flip = Window(detection.earliest_s, detection.latest_s + propagation_s)
    client = Window(flip.earliest_s, flip.latest_s + ttl_s)
    return Prediction(detection, flip, client, ttl_s, basis)


def render_tree(
    profile: DesignProfile, ingresses: Mapping[str, Sequence[str]], indent: str = ""
) -> list[str]:
    """The profile tree as text lines for ``plan --inspect``."""
    m = profile.monitor
    lines = [
        f"{indent}{profile.name} [{profile.routing_method}] ttl {profile.ttl_s}s "
        f"monitor {m.protocol}:{m.port}{m.path or ''} every {m.interval_s}s "
        f"timeout {m.timeout_s}s tolerated {m.tolerated_failures} ({m.status})"
    ]
    for e in profile.endpoints:
        extras = []
        if e.priority is not None and profile.routing_method == "Priority":
            extras.append(f"priority {e.priority}")
        if e.geo_mapping:
            extras.append("geo " + ",".join(e.geo_mapping))
        if e.always_serve:
            extras.append("alwaysServe")
        if e.min_child_endpoints is not None:
            extras.append(f"minChildEndpoints {e.min_child_endpoints}")
        region = region_of_answer([e.target], ingresses) if e.child is None else None
        where = f" -> region {region}" if region else ""
        lines.append(
            f"{indent}  - {e.name} ({e.type}) {e.target or ''}{where} "
            f"{_state(e)}{(' ' + ' '.join(extras)) if extras else ''}".rstrip()
        )
        if e.child is not None:
            lines.extend(render_tree(e.child, ingresses, indent + "    "))
    return lines
