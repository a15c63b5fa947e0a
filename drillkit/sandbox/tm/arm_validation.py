"""Validation of profile and endpoint bodies, with the ARM error codes and messages the twin uses.

Every rule answers 400 with ``{"error": {"code": "BadRequest", "message": ...}}``; the message
names the property and the allowed values, as the Traffic Manager resource provider does.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from drillkit.sandbox.geography import known_codes
from drillkit.sandbox.tm.state import ENDPOINT_KINDS, Endpoint, Json, Profile, Store

MAX_HEADERS = 8  # "You can specify up to eight header:value pairs" (monitoring docs)
MAX_RANGES = 8  # "You can specify a maximum of eight status code ranges." (monitoring docs)
MAX_RETURN = 10  # "The maximum possible value for this configuration is 10." (FAQ, MultiValue)
MAX_NESTING = 10  # "You can nest profiles up to 10 levels deep. 'Loops' are not permitted."

ROUTING_METHODS = ("Performance", "Priority", "Weighted", "Geographic", "MultiValue", "Subnet")
PROTOCOLS = ("HTTP", "HTTPS", "TCP")
_RELATIVE_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_TIMEOUTS = {30: (5, 10), 10: (5, 9)}


class ArmError(Exception):
    """An ARM error answer: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> Json:
        return {"error": {"code": self.code, "message": self.message}}


def bad(message: str) -> ArmError:
    """A 400 BadRequest with ``message``."""
    return ArmError(400, "BadRequest", message)


def _canon(value: Any, allowed: tuple[str, ...], prop: str) -> str:
    for option in allowed:
        if str(value).lower() == option.lower():
            return option
    raise bad(
        f"The value '{value}' of property '{prop}' is invalid. Allowed: {', '.join(allowed)}."
    )


def _int_in(props: Json, prop: str, low: int, high: int, label: str) -> None:
    value = props.get(prop)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"The value '{value}' of property '{label}' must be between {low} and {high}.")


def normalize_profile(props: Json) -> Json:
    """Validate a profile's properties (without endpoints) and fill in ARM's defaults."""
    out = dict(props)
    out["trafficRoutingMethod"] = _canon(
        props.get("trafficRoutingMethod"), ROUTING_METHODS, "trafficRoutingMethod"
    )
    out["profileStatus"] = _canon(
        props.get("profileStatus", "Enabled"), ("Enabled", "Disabled"), "profileStatus"
    )
    dns = dict(props.get("dnsConfig") or {})
    relative = str(dns.get("relativeName") or "").lower()
    if not _RELATIVE_NAME.match(relative):
        raise bad(
            f"The relative DNS name '{dns.get('relativeName')}' is invalid: use 1 to 63 letters, "
            "digits or hyphens, not starting or ending with a hyphen."
        )
    dns["relativeName"] = relative
    dns.setdefault("ttl", 300)
    _int_in(dns, "ttl", 0, 2147483647, "dnsConfig.ttl")
    out["dnsConfig"] = dns
    out["monitorConfig"] = _normalize_monitor(dict(props.get("monitorConfig") or {}))
    if out["trafficRoutingMethod"] == "MultiValue":
        if props.get("maxReturn") is None:
            raise bad("The property 'maxReturn' is required for the MultiValue routing method.")
        _int_in(props, "maxReturn", 1, MAX_RETURN, "maxReturn")
    elif props.get("maxReturn") is not None:
        raise bad("The property 'maxReturn' is allowed only with the MultiValue routing method.")
    return out


def _normalize_monitor(mon: Json) -> Json:
    mon["protocol"] = _canon(mon.get("protocol"), PROTOCOLS, "monitorConfig.protocol")
    if mon.get("port") is None:
        raise bad("The property 'monitorConfig.port' is required.")
    _int_in(mon, "port", 1, 65535, "monitorConfig.port")
    path = mon.get("path")
    if mon["protocol"] == "TCP":
        if path:
            raise bad("The property 'monitorConfig.path' is not allowed with the TCP protocol.")
    elif not isinstance(path, str) or not path.startswith("/"):
        raise bad("The property 'monitorConfig.path' is required and must start with '/'.")
    interval = mon.setdefault("intervalInSeconds", 30)
    if interval not in _TIMEOUTS:
        raise bad(
            f"The value '{interval}' of property 'monitorConfig.intervalInSeconds' is "
            "invalid. Allowed: 10, 30."
        )
    low, high = _TIMEOUTS[interval]
    mon.setdefault("timeoutInSeconds", high)
    _int_in(mon, "timeoutInSeconds", low, high, "monitorConfig.timeoutInSeconds")
    mon.setdefault("toleratedNumberOfFailures", 3)
    _int_in(mon, "toleratedNumberOfFailures", 0, 9, "monitorConfig.toleratedNumberOfFailures")
    if len(mon.get("expectedStatusCodeRanges") or []) > MAX_RANGES:
        raise bad(
            f"The property 'monitorConfig.expectedStatusCodeRanges' takes at most {MAX_RANGES} "
            "status code ranges."
        )
    for rng in mon.get("expectedStatusCodeRanges") or []:
        low_code, high_code = rng.get("min"), rng.get("max")
        if not (isinstance(low_code, int) and isinstance(high_code, int)) or not (
            100 <= low_code <= high_code <= 999
        ):
            raise bad(
                "Each of 'monitorConfig.expectedStatusCodeRanges' needs 100 <= min <= max <= 999."
            )
    _check_headers(mon.get("customHeaders"), "monitorConfig.customHeaders")
    return mon


def _check_headers(headers: Any, prop: str) -> None:
    if len(headers or []) > MAX_HEADERS:
        raise bad(f"The property '{prop}' takes at most {MAX_HEADERS} header:value pairs.")
    for header in headers or []:
        if not isinstance(header, dict) or not header.get("name") or "value" not in header:
            raise bad(f"Each of '{prop}' needs a 'name' and a 'value'.")
        if str(header["name"]).lower() == "host" and "*" in str(header["value"]):
            raise bad(
                f"The custom Host header '{header['value']}' of '{prop}' is invalid: an asterisk "
                "(*) is not supported in a custom Host header."
            )


def endpoint_kind(type_or_segment: str) -> str:
    """``Microsoft.network/TrafficManagerProfiles/ExternalEndpoints`` -> ``externalEndpoints``."""
    segment = type_or_segment.rsplit("/", 1)[-1].lower()
    if segment not in ENDPOINT_KINDS:
        raise bad(
            f"The endpoint type '{type_or_segment}' is invalid. Allowed: "
            "AzureEndpoints, ExternalEndpoints, NestedEndpoints."
        )
    return ENDPOINT_KINDS[segment]


def normalize_endpoint(kind: str, name: str, props: Json) -> Json:
    """Validate one endpoint's properties on their own."""
    out = dict(props)
    if not name or len(name) > 260:
        raise bad("The endpoint name must have 1 to 260 characters.")
    out["endpointStatus"] = _canon(
        props.get("endpointStatus", "Enabled"), ("Enabled", "Disabled"), "endpointStatus"
    )
    if kind == "azureEndpoints" and not props.get("targetResourceId"):
        raise bad(f"The endpoint '{name}' of type AzureEndpoints needs 'targetResourceId'.")
    if kind == "externalEndpoints" and not props.get("target"):
        raise bad(f"The endpoint '{name}' of type ExternalEndpoints needs 'target'.")
    if kind == "nestedEndpoints":
        if not props.get("target") and not props.get("targetResourceId"):
            raise bad(f"The endpoint '{name}' of type NestedEndpoints needs 'targetResourceId'.")
        out.setdefault("minChildEndpoints", 1)
        _int_in(out, "minChildEndpoints", 1, 1000, "minChildEndpoints")
        _int_in(out, "minChildEndpointsIPv4", 0, 1000, "minChildEndpointsIPv4")
        _int_in(out, "minChildEndpointsIPv6", 0, 1000, "minChildEndpointsIPv6")
        if str(props.get("alwaysServe", "Disabled")).lower() == "enabled":
            raise bad(
                f"The endpoint '{name}' of type NestedEndpoints cannot set 'alwaysServe': health "
                "checks can't be disabled on nested Traffic Manager profiles."
            )
    _int_in(props, "priority", 1, 1000, "priority")
    _int_in(props, "weight", 1, 1000, "weight")
    if "alwaysServe" in props:
        out["alwaysServe"] = _canon(props["alwaysServe"], ("Enabled", "Disabled"), "alwaysServe")
    codes = known_codes()
    for code in props.get("geoMapping") or []:
        if str(code).upper() not in codes:
            raise bad(
                f"The geographic region code '{code}' is not in Traffic Manager's "
                "geographic hierarchy."
            )
    for subnet in props.get("subnets") or []:
        _check_subnet(subnet)
    _check_headers(props.get("customHeaders"), "customHeaders")
    return out


def _check_subnet(subnet: Any) -> None:
    try:
        first = ipaddress.ip_address(subnet["first"])
        if subnet.get("scope") is not None:
            network = ipaddress.ip_network(f"{first}/{int(subnet['scope'])}", strict=False)
            if network.network_address != first:
                raise bad(
                    f"The subnet '{first}/{subnet['scope']}' is invalid: the address before the "
                    f"'/' must be the start address of the range ({network.network_address})."
                )
        elif subnet.get("last") is not None and int(ipaddress.ip_address(subnet["last"])) < int(
            first
        ):
            raise ValueError
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(
            f"The subnet '{subnet}' is invalid: give 'first' and either 'last' "
            "(not below first) or 'scope'."
        ) from exc


def _span(subnet: Json) -> tuple[int, int, int]:
    """(IP version, first, last) of a subnet entry already checked by _check_subnet."""
    first = ipaddress.ip_address(subnet["first"])
    if subnet.get("scope") is not None:
        network = ipaddress.ip_network(f"{first}/{int(subnet['scope'])}", strict=False)
        return first.version, int(network.network_address), int(network.broadcast_address)
    last = ipaddress.ip_address(subnet.get("last") or subnet["first"])
    return first.version, int(first), int(last)


def _address_type(endpoint: Endpoint) -> str:
    try:
        return f"IPv{ipaddress.ip_address(endpoint.target or '').version}"
    except ValueError:
        return "DNS name"


def check_profile_endpoints(routing: str, endpoints: list[Endpoint]) -> None:
    """Rules across the endpoints of one profile."""
    seen: set[str] = set()
    for ep in endpoints:
        if ep.name.lower() in seen:
            raise bad(f"The endpoint name '{ep.name}' is used more than once in the profile.")
        seen.add(ep.name.lower())
    if routing == "Priority":
        priorities: dict[object, str] = {}
        for ep in endpoints:
            prio = ep.properties.get("priority")
            if prio in priorities:
                raise bad(
                    f"The endpoints '{priorities[prio]}' and '{ep.name}' have the same "
                    f"priority {prio}; priorities must be unique."
                )
            priorities[prio] = ep.name
    if routing == "Geographic":
        mapped: dict[str, str] = {}
        for ep in endpoints:
            if not ep.properties.get("geoMapping"):
                raise bad(
                    f"The endpoint '{ep.name}' needs at least one geographic region in "
                    "'geoMapping' with the Geographic routing method."
                )
            for code in ep.properties["geoMapping"]:
                if str(code).upper() in mapped:
                    raise bad(
                        f"The geographic region '{code}' is mapped to more than one "
                        f"endpoint ('{mapped[str(code).upper()]}' and '{ep.name}')."
                    )
                mapped[str(code).upper()] = ep.name
    _check_addressing(routing, endpoints)
    if routing == "Subnet":
        _check_overlaps(endpoints)
    if routing == "Performance":
        for ep in endpoints:
            if ep.kind != "azureEndpoints" and not ep.properties.get("endpointLocation"):
                raise bad(
                    f"The endpoint '{ep.name}' needs 'endpointLocation' with the "
                    "Performance routing method."
                )


def _check_addressing(routing: str, endpoints: list[Endpoint]) -> None:
    """MultiValue takes IP endpoints only; other methods take one addressing type (FAQ)."""
    if routing == "MultiValue":
        for ep in endpoints:
            if ep.kind != "externalEndpoints" or _address_type(ep) == "DNS name":
                raise bad(
                    f"The endpoint '{ep.name}' is invalid: a MultiValue profile takes only "
                    "external endpoints whose target is an IPv4 or IPv6 address."
                )
        return
    kinds = {_address_type(ep): ep.name for ep in endpoints if ep.kind != "nestedEndpoints"}
    if len(kinds) > 1:
        raise bad(
            "The endpoints mix addressing types ("
            + ", ".join(f"'{name}' is {kind}" for kind, name in sorted(kinds.items()))
            + "); only a MultiValue profile may mix IPv4 and IPv6 addressing types."
        )


def _check_overlaps(endpoints: list[Endpoint]) -> None:
    """ "You cannot have overlap of address ranges since each IP needs to be mapped to only a
    single endpoint" (FAQ, Subnet routing)."""
    spans = [(_span(s), ep.name) for ep in endpoints for s in ep.properties.get("subnets") or []]
    reach: dict[int, tuple[int, str]] = {}  # IP version -> (highest last so far, its endpoint)
    for (version, first, last), name in sorted(spans):
        if version in reach and first <= reach[version][0] and reach[version][1] != name:
            raise bad(
                f"The subnets of '{reach[version][1]}' and '{name}' overlap; each address may be "
                "mapped to one endpoint only."
            )
        if version not in reach or last > reach[version][0]:
            reach[version] = (last, name)


def check_nesting(store: Store, profile: Profile) -> None:
    """No loops and at most 10 levels below ``profile`` (nested-profiles docs)."""

    view = Store()  # the store as it would be with ``profile`` written
    view.profiles = {**store.profiles, profile.key: profile}

    def walk(current: Profile, depth: int, path: tuple[str, ...]) -> None:
        for ep in current.endpoints:
            child = view.child_of(ep) if ep.kind == "nestedEndpoints" else None
            if child is None:
                continue
            if child.key == profile.key or child.name in path:
                raise bad(
                    f"The nested endpoint '{ep.name}' of profile '{current.name}' makes a nesting "
                    f"loop ({' -> '.join((*path, child.name))}); loops are not permitted."
                )
            if depth >= MAX_NESTING:
                raise bad(f"Profiles can be nested at most {MAX_NESTING} levels deep.")
            walk(child, depth + 1, (*path, child.name))

    walk(profile, 1, (profile.name,))
