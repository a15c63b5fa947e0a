"""Map a request path to discovery documents or to (resource, namespace, name, subresource)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.status import ApiError

PUBLIC = {"/version", "/healthz", "/readyz", "/livez"}


@dataclass(frozen=True)
class Target:
    """What a resource request addresses."""

    res: R.Resource
    version: str
    namespace: str
    name: str
    subresource: str

    def verb(self, method: str, watch: bool) -> str:
        if method == "GET":
            if self.name:
                return "get"
            return "watch" if watch else "list"
        return {
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if self.name else "deletecollection",
        }.get(method, "")


def page_not_found() -> ApiError:
    return ApiError(
        404,
        "the server could not find the requested resource",
        "NotFound",
        {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]},
    )


def discovery(path: str, address: str) -> dict[str, Any] | None:
    """The discovery document at ``path``, None when the path is not a discovery path."""
    parts = [p for p in path.split("/") if p]
    if parts == ["version"]:
        return R.version_info()
    if parts == ["api"]:
        return R.api_versions(address)
    if parts == ["apis"]:
        return R.api_group_list()
    if parts == ["api", "v1"]:
        return R.resource_list("", "v1")
    if len(parts) == 2 and parts[0] == "apis":
        if parts[1] not in R.GROUPS:
            raise page_not_found()
        return R.api_group(parts[1])
    if len(parts) == 3 and parts[0] == "apis":
        doc = R.resource_list(parts[1], parts[2])
        if doc is None:
            raise page_not_found()
        return doc
    return None


def is_discovery(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    return (
        not parts
        or parts[0] in ("version", "openapi", "healthz", "readyz", "livez")
        or parts in (["api"], ["apis"], ["api", "v1"])
        or (parts[0] == "apis" and len(parts) <= 3)
    )


def target(path: str) -> Target:
    """Parse ``/api/v1/...`` or ``/apis/<group>/<version>/...``; 404 when nothing is there."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise page_not_found()
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        candidate = R.lookup(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    res = R.lookup(group, version, rest[0])
    if res is None or len(rest) > 3:
        raise page_not_found()
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if sub and sub not in res.subresources:
        raise page_not_found()
    if res.namespaced and name and not namespace:
        raise page_not_found()
    return Target(res, version, namespace, name, sub)


def request_label(method: str, path: str) -> str:
    """How the admin request count names a request: ``"GET pods"``, ``"POST pods/eviction"``,
    ``"GET discovery"`` (cheap: no lookup, names only)."""
    if is_discovery(path):
        return f"{method} discovery"
    parts = [p for p in path.split("/") if p]
    rest = parts[2:] if parts[:1] == ["api"] else parts[3:]
    if len(rest) >= 3 and rest[0] == "namespaces":
        rest = rest[2:]
    if not rest:
        return f"{method} other"
    return f"{method} {rest[0]}" + (f"/{rest[2]}" if len(rest) > 2 else "")
