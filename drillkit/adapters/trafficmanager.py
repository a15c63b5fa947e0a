"""Azure Traffic Manager through ``azure-mgmt-trafficmanager``: the profile tree, monitor
statuses, and enabling or disabling endpoints. Real Azure or the sandbox twin (loopback)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlparse

from drillkit.adapters import retry
from drillkit.adapters.errors import from_status, short, status_message
from drillkit.adapters.ports import TmEndpoint
from drillkit.core.design import DesignEndpoint, DesignProfile, Monitor
from drillkit.errors import PermanentAdapterError

T = TypeVar("T")
_PROFILE_ID = re.compile(
    r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Network/trafficManagerProfiles/(?P<p>[^/]+)$",
    re.IGNORECASE,
)
MAX_DEPTH = 4


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs on 127.0.0.0/8, ::1 or localhost."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(value: Any) -> str:
    """An SDK enum or string as its plain value."""
    return str(getattr(value, "value", value) or "")


def _translate(what: str, fn: Callable[[], T]) -> T:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    try:
        return fn()
    except ClientAuthenticationError as e:
        raise PermanentAdapterError(
            f"{what} failed: Azure credentials were refused or are missing ({short(e.message)}); "
            "run `az login` or set the AZURE_* environment variables",
            status=e.status_code,
        ) from e
    except HttpResponseError as e:
        body = e.response.text() if e.response is not None else e.message
        headers = dict(getattr(e.response, "headers", None) or {})
        raise from_status(what, e.status_code, status_message(body), headers) from e
    except (ServiceRequestError, ServiceResponseError) as e:
        raise from_status(what, None, short(e.message)) from e


def _modified_by(resource: Any) -> str:
    """``systemData.lastModifiedBy (lastModifiedByType)`` of an ARM resource, '' without it.
    The SDK's models keep the JSON they were read from (``Mapping``), systemData included."""
    get = getattr(resource, "get", None)
    data = get("systemData") if callable(get) else None
    if not isinstance(data, dict) or not data.get("lastModifiedBy"):
        return ""
    kind = data.get("lastModifiedByType")
    return f"{data['lastModifiedBy']} ({kind})" if kind else str(data["lastModifiedBy"])


class AzureTrafficManager:
    """``TrafficManager`` for one profile and its nested children."""

    def __init__(
        self,
        credential: Any,
        subscription_id: str,
        resource_group: str,
        profile: str,
        *,
        base_url: str | None = None,
        ca_file: str | None = None,
        retry_deadline_s: float = 20.0,
        scope: str | None = None,
        restore_deadline_s: float = 300.0,
    ) -> None:
        from azure.mgmt.trafficmanager import TrafficManagerManagementClient

        self.resource_group = resource_group
        self.profile = profile
        self._deadline = retry_deadline_s
        self.restore_deadline_s = restore_deadline_s
        kwargs: dict[str, Any] = {
            "retry_total": 0,  # ours, in drillkit.adapters.retry, honouring Retry-After
            "connection_timeout": 10,
            "read_timeout": 30,
        }
        if ca_file:
            kwargs["connection_verify"] = ca_file
        if base_url or scope:
            kwargs["credential_scopes"] = [scope or "https://management.azure.com/.default"]
        # The SDK refuses a bearer token over plain http; allow it only for a loopback twin.
        self._call_kwargs: dict[str, Any] = (
            {"enforce_https": False}
            if base_url and base_url.startswith("http://") and is_loopback_url(base_url)
            else {}
        )
        self._client = TrafficManagerManagementClient(
            credential, subscription_id, base_url=base_url, **kwargs
        )
        self._fqdn: str | None = None
        self._rg_of: dict[str, str] = {}

    def close(self) -> None:
        self._client.close()

    def _call(self, what: str, fn: Callable[[], T], deadline_s: float | None = None) -> T:
        if deadline_s is None:
            return retry.call(
                f"arm.{what}", lambda: _translate(what, fn), deadline_s=self._deadline
            )
        # A longer deadline (restore) is bounded by time, not by a count of attempts.
        return retry.call(
            f"arm.{what}", lambda: _translate(what, fn), deadline_s=deadline_s, attempts=1000
        )

    def _profile(self, resource_group: str, name: str) -> Any:
        return self._call(
            f"read Traffic Manager profile {name}",
            lambda: self._client.profiles.get(resource_group, name, **self._call_kwargs),
        )

    def fqdn(self) -> str:
        if self._fqdn is None:
            profile = self._profile(self.resource_group, self.profile)
            self._fqdn = str(profile.dns_config.fqdn).rstrip(".")
        return self._fqdn

    def endpoints(self) -> list[TmEndpoint]:
        """Every endpoint of the profile tree, parents before children."""
        result: list[TmEndpoint] = []
        queue = [(self.resource_group, self.profile, 0)]
        seen: set[str] = set()
        while queue:
            rg, name, depth = queue.pop(0)
            if name.lower() in seen or depth > MAX_DEPTH:
                continue
            seen.add(name.lower())
            endpoints, children = self._read_endpoints(rg, name)
            result.extend(endpoints)
            queue.extend((child_rg, child, depth + 1) for child_rg, child in children)
        return result

    def profile_endpoints(self, profile: str) -> list[TmEndpoint]:
        """The endpoints of one profile of the tree: one GET of that profile (its resource
        group as the last read of the tree found it), its children not followed."""
        return self._read_endpoints(self._rg_of.get(profile, self.resource_group), profile)[0]

    def _read_endpoints(self, rg: str, name: str) -> tuple[list[TmEndpoint], list[tuple[str, str]]]:
        """One GET of profile ``name``: its endpoints, and its nested children (rg, name)."""
        self._rg_of[name] = rg
        profile = self._profile(rg, name)
        if self._fqdn is None and name == self.profile:
            self._fqdn = str(profile.dns_config.fqdn).rstrip(".")
        result: list[TmEndpoint] = []
        children: list[tuple[str, str]] = []
        for endpoint in profile.endpoints or []:
            type_ = _text(endpoint.type).rsplit("/", 1)[-1]
            type_ = type_[0].upper() + type_[1:]
            child = None
            if type_ == "NestedEndpoints":
                match = _PROFILE_ID.search(str(endpoint.target_resource_id or ""))
                if match:
                    child = match.group("p")
                    children.append((match.group("rg"), child))
            result.append(
                TmEndpoint(
                    profile=name,
                    type=type_,
                    name=str(endpoint.name),
                    target=str(endpoint.target or child or ""),
                    endpoint_status=_text(endpoint.endpoint_status) or "Enabled",
                    monitor_status=_text(endpoint.endpoint_monitor_status) or "Unknown",
                    child_profile=child,
                )
            )
        return result, children

    def design(self) -> DesignProfile:
        """The whole profile tree, read-only: routing, monitorConfig, TTL, statuses, nesting."""
        return self._design(self.resource_group, self.profile, 0, set())

    def _design(self, rg: str, name: str, depth: int, seen: set[str]) -> DesignProfile:
        seen.add(name.lower())
        self._rg_of[name] = rg
        p = self._profile(rg, name)
        endpoints = []
        for e in p.endpoints or []:
            type_ = _text(e.type).rsplit("/", 1)[-1]
            type_ = type_[0].upper() + type_[1:]
            child = None
            if type_ == "NestedEndpoints":
                match = _PROFILE_ID.search(str(e.target_resource_id or ""))
                if match and match.group("p").lower() not in seen and depth < MAX_DEPTH:
                    child = self._design(match.group("rg"), match.group("p"), depth + 1, seen)
            endpoints.append(
                DesignEndpoint(
                    name=str(e.name),
                    type=type_,
                    target=str(e.target or (child.name if child else "")),
                    endpoint_status=_text(e.endpoint_status) or "Enabled",
                    monitor_status=_text(e.endpoint_monitor_status) or "Unknown",
                    always_serve=_text(getattr(e, "always_serve", None)) == "Enabled",
                    min_child_endpoints=e.min_child_endpoints,
                    priority=e.priority,
                    weight=e.weight,
                    geo_mapping=tuple(e.geo_mapping or ()),
                    child=child,
                    modified_by=_modified_by(e),
                )
            )
        m = p.monitor_config
        return DesignProfile(
            name=name,
            routing_method=_text(p.traffic_routing_method),
            ttl_s=int(p.dns_config.ttl or 0),
            monitor=Monitor(
                protocol=_text(m.protocol) or "HTTP",
                port=int(m.port or 0),
                path=m.path,
                interval_s=int(m.interval_in_seconds or 30),
                timeout_s=int(m.timeout_in_seconds or 10),
                tolerated_failures=int(
                    3 if m.tolerated_number_of_failures is None else m.tolerated_number_of_failures
                ),
                status=_text(m.profile_monitor_status) or "Unknown",
            ),
            status=_text(p.profile_status) or "Enabled",
            fqdn=str(p.dns_config.fqdn or "").rstrip("."),
            endpoints=tuple(endpoints),
            modified_by=_modified_by(p),
        )

    def profile_tags(self) -> dict[str, dict[str, str]]:
        """The tags of every profile of the tree (read with it)."""
        names = {e.profile for e in self.endpoints()} | {self.profile}
        return {
            name: dict(self._profile(self._rg_of.get(name, self.resource_group), name).tags or {})
            for name in sorted(names)
        }

    def tag_profile(self, profile: str, tags: Mapping[str, str | None]) -> None:
        """Merge ``tags`` into the profile's (None removes one). Adding is a PATCH of the merged
        tags; removing is a GET and a PUT of the whole profile with its new tags (what
        ``az ... update --remove tags.NAME`` does), since a PATCH may merge tags."""
        from azure.mgmt.trafficmanager.models import Profile

        rg = self._rg_of.get(profile, self.resource_group)
        current = self._profile(rg, profile)
        merged = dict(current.tags or {})
        for key, value in tags.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if merged == dict(current.tags or {}):
            return
        what = f"tag Traffic Manager profile {profile}"
        if any(v is None for v in tags.values()):
            current.tags = merged
            self._call(
                what,
                lambda: self._client.profiles.create_or_update(
                    rg, profile, current, **self._call_kwargs
                ),
            )
            return
        self._call(
            what,
            lambda: self._client.profiles.update(
                rg, profile, Profile(tags=merged), **self._call_kwargs
            ),
        )

    def set_profile_status(self, profile: str, status: str) -> None:
        """Enable or disable a whole profile (restore of a ``manual`` drill), waiting out
        throttling as restore does."""
        from azure.mgmt.trafficmanager.models import Profile

        rg = self._rg_of.get(profile, self.resource_group)
        self._call(
            f"set profile {profile} {status}",
            lambda: self._client.profiles.update(
                rg,
                profile,
                Profile(profile_status=status),  # type: ignore[call-overload]  # 1.1 and 2.x
                **self._call_kwargs,
            ),
            deadline_s=self.restore_deadline_s,
        )

    def set_endpoint_status(
        self, profile: str, type_: str, name: str, status: str, *, restore: bool = False
    ) -> None:
        """Enable or disable one endpoint; ``restore`` waits out throttling for longer."""
        from azure.mgmt.trafficmanager.models import Endpoint

        what = f"set endpoint {profile}/{name} {status}"
        self._call(
            what,
            lambda: self._client.endpoints.update(
                self._rg_of.get(profile, self.resource_group),
                profile,
                type_,
                name,
                Endpoint(endpoint_status=status),  # type: ignore[call-overload]  # 1.1 and 2.x
                **self._call_kwargs,
            ),
            deadline_s=self.restore_deadline_s if restore else None,
        )
