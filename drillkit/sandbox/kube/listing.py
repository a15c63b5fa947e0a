"""List (with selectors, limit and continue, or as a Table) and watch streams."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from aiohttp import web

from drillkit.sandbox.kube.objects import labels
from drillkit.sandbox.kube.routing import Target
from drillkit.sandbox.kube.selection import matches, parse_field_selector, parse_label_selector
from drillkit.sandbox.kube.status import bad_request, status_body
from drillkit.sandbox.kube.store import Obj, Store
from drillkit.sandbox.kube.tables import to_table, wants_table
from drillkit.sandbox.kube.wire import present, respond

MAX_WATCH_SECONDS = 1800


def _accept(request: web.Request, tgt: Target) -> Any:
    label_sel = parse_label_selector(request.query.get("labelSelector", ""))
    field_ok = parse_field_selector(request.query.get("fieldSelector", ""), tgt.res.plural)

    def accept(obj: Obj) -> bool:
        if tgt.namespace and obj["metadata"].get("namespace") != tgt.namespace:
            return False
        return (not label_sel or matches(label_sel, labels(obj))) and field_ok(obj)

    return accept


def matching(request: web.Request, store: Store, tgt: Target) -> list[Obj]:
    """Objects the request's namespace and selectors pick, in key order."""
    accept = _accept(request, tgt)
    items = [o for o in store.items(tgt.res.key, tgt.namespace or None) if accept(o)]
    items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    return items


def _int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError as e:
        raise bad_request(f"invalid {name}: {raw!r}") from e


def list_objects(request: web.Request, store: Store, tgt: Target) -> web.Response:
    items = matching(request, store, tgt)
    meta: dict[str, Any] = {"resourceVersion": str(store.resource_version)}
    token = request.query.get("continue")
    if token:
        try:
            start = json.loads(base64.urlsafe_b64decode(token.encode()))["start"]
        except (ValueError, KeyError, TypeError) as e:
            raise bad_request(
                "continue key is not valid: incorrect encoded start "
                "resourceVersion (version meta.k8s.io/v1)"
            ) from e
        items = [
            o for o in items if [o["metadata"].get("namespace", ""), o["metadata"]["name"]] > start
        ]
    limit = _int_param(request, "limit")
    if limit is not None and 0 < limit < len(items):
        last = items[limit - 1]["metadata"]
        meta["continue"] = base64.urlsafe_b64encode(
            json.dumps({"start": [last.get("namespace", ""), last["name"]]}).encode()
        ).decode()
        meta["remainingItemCount"] = len(items) - limit
        items = items[:limit]
    if wants_table(request.headers.get("Accept", "")):
        return respond(to_table(tgt.res, items, meta))
    return respond(
        {
            "kind": f"{tgt.res.kind}List",
            "apiVersion": tgt.res.api_version(tgt.version),
            "metadata": meta,
            "items": [present(tgt.res, tgt.version, o) for o in items],
        }
    )


async def watch_objects(request: web.Request, store: Store, tgt: Target) -> web.StreamResponse:
    """A JSON event stream; resourceVersion unset or 0 replays current objects as ADDED."""
    accept = _accept(request, tgt)
    timeout = min(_int_param(request, "timeoutSeconds") or MAX_WATCH_SECONDS, MAX_WATCH_SECONDS)
    raw_rv = request.query.get("resourceVersion", "")
    try:
        since = int(raw_rv) if raw_rv not in ("", "0") else None
    except ValueError as e:
        raise bad_request(f'invalid resource version "{raw_rv}"') from e
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)

    as_table = wants_table(request.headers.get("Accept", ""))

    async def send(kind: str, obj: Obj) -> None:
        if as_table and kind != "ERROR":  # kubectl get -w prints rows, as from a real server
            obj = to_table(tgt.res, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]})
        line = json.dumps({"type": kind, "object": obj}, separators=(",", ":")) + "\n"
        await response.write(line.encode())

    if since is not None and since < store.oldest_rv - 1:
        await send(
            "ERROR",
            status_body(410, f"too old resource version: {since} ({store.oldest_rv})", "Expired"),
        )
        return response
    watcher = store.watch(
        tgt.res.key, accept, since if since is not None else store.resource_version
    )
    try:
        if since is None:
            for obj in matching(request, store, tgt):
                await send("ADDED", present(tgt.res, tgt.version, obj))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (remaining := deadline - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(watcher.queue.get(), remaining)
            except TimeoutError:
                break
            if event is None:
                break
            await send(event.type, present(tgt.res, tgt.version, event.obj))
    except ConnectionResetError:
        pass  # the client went away: a normal end of a watch
    finally:
        store.unwatch(watcher)
    return response
