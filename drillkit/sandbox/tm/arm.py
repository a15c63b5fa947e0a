"""The ARM REST twin for Microsoft.Network/trafficmanagerprofiles (2022-04-01 and 2026-09-01).

Paths and types match case-insensitively; every error is an ARM body ``{"error": {code, message}}``.
Clients authenticate with ``Authorization: Bearer <world.json trafficManager.token>``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from aiohttp import web

from drillkit.sandbox.geography import default_hierarchy
from drillkit.sandbox.tm import arm_validation as val
from drillkit.sandbox.tm.arm_render import endpoint_json, merge, profile_json
from drillkit.sandbox.tm.arm_shape import ENDPOINT, NAME_CHECK, PROFILE, Spec, check_shape
from drillkit.sandbox.tm.state import DNS_ZONE, PROFILE_TYPE, Endpoint, Json, Profile, Store
from drillkit.sandbox.tm.state import profile_key as pkey
from drillkit.sandbox.tm.system_data import stamp, stamp_profile

_log = structlog.get_logger("drillkit.sandbox.tm.arm")
API_VERSIONS = ("2022-04-01", "2026-09-01")
PAGED_API = "2026-09-01"
_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourcegroups/(?P<rg>[^/]+)"
_PROVIDER = r"/providers/microsoft\.network"
_PROFILE = _RG + _PROVIDER + r"/trafficmanagerprofiles/(?P<profile>[^/]+)"
Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]
Middleware = Callable[..., Awaitable[web.StreamResponse]]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _not_found(kind: str, name: str, rg: str | None = None) -> val.ArmError:
    where = f" under resource group '{rg}'" if rg else ""
    return val.ArmError(
        404, "ResourceNotFound", f"The Resource '{kind}/{name}'{where} was not found."
    )


class ArmTwin:
    """The aiohttp application of the ARM twin over a shared :class:`Store`."""

    def __init__(
        self,
        store: Store,
        token: str,
        *,
        page_size: int = 100,
        middlewares: Sequence[Middleware] = (),
    ) -> None:
        self.store = store
        self.token = token
        self.page_size = page_size
        self._middlewares = list(middlewares)
        self._metrics_keys: dict[str, str] = {}
        routes: list[tuple[str, dict[str, Handler]]] = [
            (
                _PROFILE
                + r"/(?P<kind>azureendpoints|externalendpoints|nestedendpoints)/(?P<ep>[^/]+)",
                {
                    "GET": self._get_ep,
                    "PUT": self._put_ep,
                    "PATCH": self._patch_ep,
                    "DELETE": self._delete_ep,
                },
            ),
            (_PROFILE + r"/heatmaps/(?P<heatmap>[^/]+)", {"GET": self._heat_map}),
            (
                _PROFILE,
                {
                    "GET": self._get_profile,
                    "PUT": self._put_profile,
                    "PATCH": self._patch_profile,
                    "DELETE": self._delete_profile,
                },
            ),
            (_RG + _PROVIDER + r"/trafficmanagerprofiles/?", {"GET": self._list_rg}),
            (_SUB + _PROVIDER + r"/trafficmanagerprofiles/?", {"GET": self._list_sub}),
            (_PROVIDER + r"/checktrafficmanagernameavailability", {"POST": self._name_v1}),
            (_SUB + _PROVIDER + r"/checktrafficmanagernameavailabilityv2", {"POST": self._name_v2}),
            (_PROVIDER + r"/trafficmanagergeographichierarchies/default", {"GET": self._geo}),
            (
                _SUB + _PROVIDER + r"/trafficmanagerusermetricskeys/default",
                {"GET": self._get_key, "PUT": self._put_key, "DELETE": self._delete_key},
            ),
        ]
        self._routes = [(re.compile(f"^{p}/?$", re.IGNORECASE), h) for p, h in routes]

    def seed_profile(self, subscription: str, resource_group: str, name: str, body: Json) -> None:
        """Create a profile as a PUT would (same validation), without HTTP."""
        match = {"sub": subscription, "rg": resource_group, "profile": name}
        profile = self._build_profile(match, body, None)
        stamp_profile(profile, None)
        self.store.put(profile)

    def app(self) -> web.Application:
        """A fresh aiohttp application (fault middlewares first, then auth)."""
        app = web.Application(middlewares=[*self._middlewares, self._guard])
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        try:
            if not auth:
                raise val.ArmError(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                )
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip(), self.token):
                raise val.ArmError(
                    401, "InvalidAuthenticationToken", "The access token is invalid."
                )
            version = request.query.get("api-version")
            if version is None:
                raise val.ArmError(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                )
            if version not in API_VERSIONS:
                raise val.ArmError(
                    400,
                    "InvalidApiVersionParameter",
                    f"The api-version '{version}' is invalid. The supported "
                    f"versions are '{','.join(API_VERSIONS)}'.",
                )
            response: web.StreamResponse = await handler(request)
            return response
        except val.ArmError as err:
            return _json(err.body(), err.status)
        except web.HTTPException:
            raise
        except Exception:  # a twin bug must still look like ARM to the client
            _log.exception("tm.arm.failed", path=request.path, method=request.method)
            error = val.ArmError(500, "InternalServerError", "The twin failed to serve this.")
            return _json(error.body(), 500)

    async def _dispatch(self, request: web.Request) -> web.Response:
        for pattern, handlers in self._routes:
            match = pattern.match(request.path)
            if match:
                handler = handlers.get(request.method)
                if handler is None:
                    raise val.ArmError(
                        405, "MethodNotAllowed", f"The method {request.method} is not allowed here."
                    )
                return await handler(request, match.groupdict())
        raise val.ArmError(404, "NotFound", f"No Traffic Manager resource at {request.path}.")

    @staticmethod
    async def _body(request: web.Request, shape: Spec) -> Json:
        try:
            body = json.loads(await request.read() or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise val.ArmError(
                400,
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized.",
            ) from exc
        if not isinstance(body, dict):
            raise val.ArmError(
                400, "InvalidRequestContent", "The request content must be a JSON object."
            )
        check_shape(body, shape)
        return body

    def _profile(self, m: dict[str, str]) -> Profile:
        profile = self.store.profiles.get(pkey(m["sub"], m["rg"], m["profile"]))
        if profile is None:
            raise _not_found(PROFILE_TYPE, m["profile"], m["rg"])
        return profile

    # Profiles

    async def _get_profile(self, request: web.Request, m: dict[str, str]) -> web.Response:
        return _json(profile_json(self.store, self._profile(m), request.query["api-version"]))

    async def _put_profile(self, request: web.Request, m: dict[str, str]) -> web.Response:
        body = await self._body(request, PROFILE)
        existing = self.store.profiles.get(pkey(m["sub"], m["rg"], m["profile"]))
        profile = self._build_profile(m, body, existing)
        stamp_profile(profile, existing)
        self.store.put(profile)
        status = 200 if existing else 201
        return _json(profile_json(self.store, profile, request.query["api-version"]), status)

    async def _patch_profile(self, request: web.Request, m: dict[str, str]) -> web.Response:
        existing = self._profile(m)
        current = profile_json(self.store, existing, PAGED_API)
        patch = await self._body(request, PROFILE)
        props = patch.get("properties") or {}
        merged = merge(current, {k: v for k, v in patch.items() if k != "properties"})
        merged["properties"] = merge(
            current["properties"], {k: v for k, v in props.items() if k != "endpoints"}
        )
        if "endpoints" in props:
            merged["properties"]["endpoints"] = props["endpoints"]
        profile = self._build_profile(m, merged, existing)
        stamp_profile(profile, existing)
        self.store.put(profile)
        return _json(profile_json(self.store, profile, request.query["api-version"]))

    def _build_profile(self, m: dict[str, str], body: Json, existing: Profile | None) -> Profile:
        location = str(body.get("location") or "global")
        if location.lower() != "global":
            raise val.bad(
                f"The location '{location}' is invalid for a Traffic Manager profile; "
                "the only location is 'global'."
            )
        raw = dict(body.get("properties") or {})
        raw_endpoints = raw.pop("endpoints", None) or []
        for read_only in ("profileMonitorStatus",):
            (raw.get("monitorConfig") or {}).pop(read_only, None)
        (raw.get("dnsConfig") or {}).pop("fqdn", None)
        props = val.normalize_profile(raw)
        owner = self.store.by_relative_name(props["dnsConfig"]["relativeName"])
        if owner is not None and owner.key != pkey(m["sub"], m["rg"], m["profile"]):
            raise val.bad(
                f"Domain name {props['dnsConfig']['relativeName']}.{DNS_ZONE} already "
                "exists. Please choose a different DNS prefix."
            )
        name = existing.name if existing else m["profile"]
        profile = Profile(m["sub"], m["rg"], name, props, [], dict(body.get("tags") or {}))
        for item in raw_endpoints:
            if not isinstance(item, dict):
                raise val.bad("Each of 'endpoints' must be an object.")
            kind = val.endpoint_kind(str(item.get("type") or ""))
            profile.endpoints.append(
                self._build_endpoint(
                    profile, kind, str(item.get("name") or ""), dict(item.get("properties") or {})
                )
            )
        val.check_profile_endpoints(profile.routing, profile.endpoints)
        val.check_nesting(self.store, profile)
        return profile

    def _build_endpoint(self, profile: Profile, kind: str, name: str, raw: Json) -> Endpoint:
        raw.pop("endpointMonitorStatus", None)
        props = val.normalize_endpoint(kind, name, raw)
        others = [e for e in profile.endpoints if e.name.lower() != name.lower()]
        if props.get("priority") is None:
            used = {e.properties.get("priority") for e in others}
            props["priority"] = next(p for p in range(1, 1002) if p not in used)
        props.setdefault("weight", 1)
        return Endpoint(kind, name, props)

    async def _delete_profile(self, request: web.Request, m: dict[str, str]) -> web.Response:
        removed = self.store.delete(pkey(m["sub"], m["rg"], m["profile"]))
        return _json({}, 200) if removed else web.Response(status=204)

    async def _list_rg(self, request: web.Request, m: dict[str, str]) -> web.Response:
        wanted = (m["sub"].lower(), m["rg"].lower())
        return self._page(request, [p for p in self.store.profiles.values() if p.key[:2] == wanted])

    async def _list_sub(self, request: web.Request, m: dict[str, str]) -> web.Response:
        wanted = m["sub"].lower()
        return self._page(request, [p for p in self.store.profiles.values() if p.key[0] == wanted])

    def _page(self, request: web.Request, profiles: list[Profile]) -> web.Response:
        version = request.query["api-version"]
        profiles.sort(key=lambda p: p.key)
        if version != PAGED_API:
            return _json({"value": [profile_json(self.store, p, version) for p in profiles]})
        try:
            start = max(0, int(request.query.get("$skiptoken", "0")))
        except ValueError as exc:
            raise val.bad("The '$skiptoken' query parameter is invalid.") from exc
        chunk = profiles[start : start + self.page_size]
        body: Json = {"value": [profile_json(self.store, p, version) for p in chunk]}
        if start + self.page_size < len(profiles):
            query = {"api-version": version, "$skiptoken": str(start + self.page_size)}
            body["nextLink"] = str(request.url.with_query(query))
        return _json(body)

    # Endpoints

    def _endpoint(self, m: dict[str, str]) -> tuple[Profile, Endpoint]:
        profile = self._profile(m)
        endpoint = profile.endpoint(m["ep"])
        kind = val.endpoint_kind(m["kind"])
        if endpoint is None or endpoint.kind != kind:
            raise _not_found(f"{PROFILE_TYPE}/{m['profile']}/{kind}", m["ep"], m["rg"])
        return profile, endpoint

    async def _get_ep(self, request: web.Request, m: dict[str, str]) -> web.Response:
        profile, endpoint = self._endpoint(m)
        return _json(endpoint_json(self.store, profile, endpoint))

    async def _put_ep(self, request: web.Request, m: dict[str, str]) -> web.Response:
        profile = self._profile(m)
        body = await self._body(request, ENDPOINT)
        return self._store_endpoint(profile, m, dict(body.get("properties") or {}), body)

    async def _patch_ep(self, request: web.Request, m: dict[str, str]) -> web.Response:
        profile, endpoint = self._endpoint(m)
        body = await self._body(request, ENDPOINT)
        props = merge(endpoint.properties, dict(body.get("properties") or {}))
        return self._store_endpoint(profile, m, props, body, patch=True)

    def _store_endpoint(
        self, profile: Profile, m: dict[str, str], raw: Json, body: Json, patch: bool = False
    ) -> web.Response:
        kind = val.endpoint_kind(m["kind"])
        if body.get("type") and val.endpoint_kind(str(body["type"])) != kind:
            raise val.bad(f"The endpoint type '{body['type']}' does not match the path.")
        existing = profile.endpoint(m["ep"])
        name = existing.name if existing else m["ep"]
        endpoint = self._build_endpoint(profile, kind, name, raw)
        endpoint.system_data = stamp(existing.system_data if existing else None)
        endpoints = [e for e in profile.endpoints if e.name.lower() != name.lower()]
        if existing is not None:
            endpoints.insert(profile.endpoints.index(existing), endpoint)
        else:
            endpoints.append(endpoint)
        val.check_profile_endpoints(profile.routing, endpoints)
        val.check_nesting(self.store, dataclasses.replace(profile, endpoints=endpoints))
        profile.endpoints = endpoints
        self.store.changed()
        status = 200 if existing or patch else 201
        return _json(endpoint_json(self.store, profile, endpoint), status)

    async def _delete_ep(self, request: web.Request, m: dict[str, str]) -> web.Response:
        profile = self._profile(m)
        endpoint = profile.endpoint(m["ep"])
        if endpoint is None or endpoint.kind != val.endpoint_kind(m["kind"]):
            return web.Response(status=204)
        profile.endpoints.remove(endpoint)
        self.store.changed()
        return _json({})

    async def _heat_map(self, request: web.Request, m: dict[str, str]) -> web.Response:
        from drillkit.sandbox.tm.arm_extras import heat_map

        return _json(heat_map(self._profile(m), m["heatmap"]))

    # Provider-level operations

    async def _name_v1(self, request: web.Request, m: dict[str, str]) -> web.Response:
        return _json(self._availability(await self._body(request, NAME_CHECK)))

    async def _name_v2(self, request: web.Request, m: dict[str, str]) -> web.Response:
        return _json(self._availability(await self._body(request, NAME_CHECK)))

    def _availability(self, body: Json) -> Json:
        name, kind = str(body.get("name") or ""), str(body.get("type") or "")
        if kind.lower() != PROFILE_TYPE.lower():
            raise val.bad(f"The resource type '{kind}' is invalid; use '{PROFILE_TYPE}'.")
        answer: Json = {"name": name, "type": PROFILE_TYPE, "nameAvailable": True}
        if self.store.by_relative_name(name) is not None:
            answer.update(
                nameAvailable=False,
                reason="AlreadyExists",
                message=f"Domain name {name}.{DNS_ZONE} already exists. Please choose a "
                "different DNS prefix.",
            )
        return answer

    async def _geo(self, request: web.Request, m: dict[str, str]) -> web.Response:
        return _json(
            {
                "id": "/providers/Microsoft.Network/trafficManagerGeographicHierarchies/default",
                "name": "default",
                "type": "Microsoft.Network/trafficManagerGeographicHierarchies",
                "properties": {"geographicHierarchy": default_hierarchy().to_json()},
            }
        )

    def _key_json(self, sub: str) -> Json:
        return {
            "id": "/providers/Microsoft.Network/trafficManagerUserMetricsKeys/default",
            "name": "default",
            "type": "Microsoft.Network/trafficManagerUserMetricsKeys",
            "properties": {"key": self._metrics_keys[sub.lower()]},
        }

    async def _get_key(self, request: web.Request, m: dict[str, str]) -> web.Response:
        if m["sub"].lower() not in self._metrics_keys:
            raise _not_found("Microsoft.Network/trafficManagerUserMetricsKeys", "default")
        return _json(self._key_json(m["sub"]))

    async def _put_key(self, request: web.Request, m: dict[str, str]) -> web.Response:
        self._metrics_keys[m["sub"].lower()] = secrets.token_hex(16)
        return _json(self._key_json(m["sub"]), 201)

    async def _delete_key(self, request: web.Request, m: dict[str, str]) -> web.Response:
        self._metrics_keys.pop(m["sub"].lower(), None)
        return _json({})
