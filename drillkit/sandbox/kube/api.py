"""The HTTP face of one cluster twin: authentication, RBAC, CRUD, patch, list and watch."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from drillkit.sandbox.kube import auth
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.listing import list_objects, matching, watch_objects
from drillkit.sandbox.kube.managed import manager_for, writing
from drillkit.sandbox.kube.objects import suffix
from drillkit.sandbox.kube.patch import apply_patch
from drillkit.sandbox.kube.protowire import decode_access_review
from drillkit.sandbox.kube.routing import PUBLIC, Target, discovery, page_not_found, target
from drillkit.sandbox.kube.status import (
    ApiError,
    already_exists,
    bad_request,
    conflict,
    not_found,
    status_body,
)
from drillkit.sandbox.kube.store import DRY_RUN, Obj, Store, clone
from drillkit.sandbox.kube.subresources import evict, read_scale, write_scale
from drillkit.sandbox.kube.tables import to_table, wants_table
from drillkit.sandbox.kube.validation import apply_defaults, validate
from drillkit.sandbox.kube.wire import present, read_json, respond, to_storage
from drillkit.sandbox.kube.workloads import delete_pod

log = logging.getLogger("drillkit.sandbox.kube")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class KubeApi:
    """aiohttp handlers over one ``Store``."""

    def __init__(self, store: Store, tokens: auth.Tokens, rng: random.Random) -> None:
        self.store = store
        self.tokens = tokens
        self.rng = rng
        self.address = "127.0.0.1:0"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every path: errors become Status bodies, never tracebacks."""
        try:
            return await self._handle(request)
        except ApiError as e:
            return respond(e.body, e.code)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("sandbox.kube.handler_failed path=%s", request.path)
            return respond(
                status_body(500, "Internal error occurred: the twin failed to handle this request"),
                500,
            )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in ("/healthz", "/readyz", "/livez"):
            return web.Response(text="ok")
        user = None if path in PUBLIC else self.tokens.user(request.headers.get("Authorization"))
        doc = discovery(path, self.address)
        if doc is not None:
            return respond(doc)
        if path.startswith("/openapi"):
            raise page_not_found()
        tgt = target(path)
        assert user is not None
        dry_run = request.query.getall("dryRun", [])
        if any(value != "All" for value in dry_run):
            raise bad_request(f'dryRun: Unsupported value: "{dry_run[0]}": supported values: "All"')
        token = DRY_RUN.set(bool(dry_run))
        try:
            return await self._serve(request, tgt, user)
        finally:
            DRY_RUN.reset(token)

    async def _serve(self, request: web.Request, tgt: Target, user: str) -> web.StreamResponse:
        watch = request.query.get("watch", "") in ("true", "1")
        verb = tgt.verb(request.method, watch)
        allowed_verbs = (
            tgt.res.subresources[tgt.subresource][3] if tgt.subresource else tgt.res.verbs
        )
        if tgt.subresource and tgt.name:
            verb = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch"}.get(
                request.method, ""
            )
        if (
            not verb
            or verb not in allowed_verbs
            or (verb == "create" and tgt.name and not tgt.subresource)
        ):
            raise ApiError(
                405,
                "the server does not allow this method on the requested resource",
                "MethodNotAllowed",
            )
        if not auth.allowed(user, verb, tgt.res.group, tgt.res.plural):
            raise auth.forbidden(
                user,
                verb,
                group=tgt.res.group,
                resource=tgt.res.plural,
                subresource=tgt.subresource,
                namespace=tgt.namespace,
                name=tgt.name,
            )
        if verb in ("list", "watch"):
            if watch:
                return await watch_objects(request, self.store, tgt)
            return list_objects(request, self.store, tgt)
        return await self._act(request, tgt, verb, user)

    async def _act(self, request: web.Request, tgt: Target, verb: str, user: str) -> web.Response:
        res, sub = tgt.res, tgt.subresource
        if res.plural == "selfsubjectaccessreviews":
            if "protobuf" in request.headers.get("Content-Type", ""):
                body = decode_access_review(await request.read())
            else:
                body = await read_json(request)
            if not isinstance(body, dict):
                raise bad_request("Object 'SelfSubjectAccessReview' is missing or not an object")
            return respond(auth.review(user, body), 201)
        if sub == "eviction":
            return respond(await evict(request, self.store, tgt), 201)
        manager = ""
        if verb in ("create", "update", "patch"):
            manager = manager_for(
                request.query.get("fieldManager"), request.headers.get("User-Agent")
            )
        if sub == "scale":
            if verb == "get":
                return respond(read_scale(self.store, tgt))
            with writing(manager, "scale"):
                return respond(await write_scale(request, self.store, tgt, verb))
        if verb == "create":
            body = to_storage(res, tgt.version, await read_json(request))
            with writing(manager):
                created = self._create(tgt, body)
            return respond(present(res, tgt.version, created), 201)
        if verb == "deletecollection":
            return respond(await self._delete_collection(request, tgt))
        old = self.store.get(res.key, tgt.namespace, tgt.name)
        if old is None:
            raise not_found(res.plural, res.group, tgt.name)
        if verb == "get":
            if wants_table(request.headers.get("Accept", "")):
                meta = {"resourceVersion": old["metadata"]["resourceVersion"]}
                return respond(to_table(res, [old], meta))
            return respond(present(res, tgt.version, old))
        if verb == "delete":
            return respond(present(res, tgt.version, await self._delete(request, tgt, old)))
        body = await read_json(request)
        if verb == "patch":
            content_type = request.headers.get("Content-Type", "")
            body = apply_patch(content_type, clone(present(res, tgt.version, old)), body)
        body = to_storage(res, tgt.version, body)
        with writing(manager, sub):
            updated = self._update(tgt, old, body)
        return respond(present(res, tgt.version, updated))

    def _create(self, tgt: Target, body: Any) -> Obj:
        res = tgt.res
        if not isinstance(body, dict):
            raise bad_request(f"Object '{res.kind}' is missing in the request body")
        meta = body.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request(
                "json: cannot unmarshal metadata into Go struct field of type v1.ObjectMeta"
            )
        if body.get("kind") not in (None, res.kind):
            raise bad_request(
                f"the kind in the data ({body.get('kind')}) does not match the "
                f"expected kind ({res.kind})"
            )
        if res.namespaced:
            if meta.get("namespace") not in (None, "", tgt.namespace):
                raise bad_request(
                    "the namespace of the provided object does not match the "
                    "namespace sent on the request"
                )
            meta["namespace"] = tgt.namespace
            if self.store.get(R.NAMESPACES.key, "", tgt.namespace) is None:
                raise not_found("namespaces", "", tgt.namespace)
        if (
            not meta.get("name")
            and isinstance(meta.get("generateName"), str)
            and meta["generateName"]
        ):
            meta["name"] = meta["generateName"] + suffix(self.rng)
        for field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"):
            meta.pop(field, None)
        body["kind"], body["apiVersion"] = res.kind, res.api_version(res.versions[0])
        validate(res, body)
        apply_defaults(res, body)
        if self.store.get(res.key, tgt.namespace, meta["name"]) is not None:
            raise already_exists(res.plural, res.group, meta["name"])
        if res.subresources.get("status") and res is not R.PODS and res is not R.NAMESPACES:
            body.pop("status", None)
        return self.store.create(res.key, body, generation=res.has_generation)

    def _update(self, tgt: Target, old: Obj, new: Any) -> Obj:
        res = tgt.res
        if not isinstance(new, dict):
            raise bad_request(f"Object '{res.kind}' is missing in the request body")
        if new.get("kind") not in (None, res.kind) or new.get("apiVersion") not in (
            None,
            *(res.api_version(v) for v in res.versions),
        ):
            raise bad_request(
                f"the kind or apiVersion in the data ({new.get('kind')!r}, "
                f"{new.get('apiVersion')!r}) does not match the expected {res.kind}"
            )
        meta = new.get("metadata")
        if not isinstance(meta, dict):
            meta = new["metadata"] = {}
        if meta.get("name", tgt.name) != tgt.name:
            raise bad_request(
                f"the name of the object ({meta.get('name')}) does not match the "
                f"name on the URL ({tgt.name})"
            )
        if meta.get("namespace") not in (None, "", tgt.namespace):
            raise bad_request(
                "the namespace of the provided object does not match the "
                "namespace sent on the request"
            )
        wanted_rv = meta.get("resourceVersion")
        if wanted_rv and wanted_rv != old["metadata"]["resourceVersion"]:
            raise conflict(res.plural, res.group, tgt.name)
        validate(res, {**new, "metadata": {**meta, "name": tgt.name}})
        if tgt.subresource == "status":
            stored = {**old, "status": new.get("status")}
            stored["metadata"] = dict(old["metadata"])
        else:
            stored = dict(new)
            kept = {
                k: old["metadata"][k]
                for k in (
                    "uid",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "generation",
                )
                if k in old["metadata"]
            }
            stored["metadata"] = {**meta, "name": tgt.name, **kept}
            if res.namespaced:
                stored["metadata"]["namespace"] = tgt.namespace
            if "status" in res.subresources:
                stored["status"] = old.get("status")
            if res is R.NAMESPACES:
                stored["spec"] = old.get("spec")
        stored["kind"], stored["apiVersion"] = res.kind, res.api_version(res.versions[0])
        if stored.get("status") is None:
            stored.pop("status", None)
        return self.store.replace(res.key, stored, generation=res.has_generation)

    async def _delete(self, request: web.Request, tgt: Target, old: Obj) -> Obj:
        options = await read_json(request) or {}
        if not isinstance(options, dict):
            raise bad_request("DeleteOptions must be a JSON object")
        pre = options.get("preconditions") or {}
        if (pre.get("uid") and pre["uid"] != old["metadata"]["uid"]) or (
            pre.get("resourceVersion")
            and pre["resourceVersion"] != old["metadata"]["resourceVersion"]
        ):
            raise conflict(tgt.res.plural, tgt.res.group, tgt.name)
        grace = request.query.get("gracePeriodSeconds", options.get("gracePeriodSeconds"))
        try:
            grace_value = None if grace is None else int(grace)
        except (TypeError, ValueError) as e:
            raise bad_request(f"invalid gracePeriodSeconds: {grace!r}") from e
        if tgt.res is R.PODS:
            return delete_pod(self.store, old, grace_value) or old
        if tgt.res is R.NAMESPACES:
            for res in R.RESOURCES:
                if res.namespaced:
                    for obj in list(self.store.items(res.key, tgt.name)):
                        self.store.delete(res.key, tgt.name, obj["metadata"]["name"])
        return self.store.delete(tgt.res.key, tgt.namespace, tgt.name) or old

    async def _delete_collection(self, request: web.Request, tgt: Target) -> Obj:
        items = matching(request, self.store, tgt)
        for obj in items:
            if tgt.res is R.PODS:
                delete_pod(self.store, obj)
            else:
                meta = obj["metadata"]
                self.store.delete(tgt.res.key, meta.get("namespace", ""), meta["name"])
        return {
            "kind": f"{tgt.res.kind}List",
            "apiVersion": tgt.res.api_version(tgt.version),
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": [present(tgt.res, tgt.version, o) for o in items],
        }
