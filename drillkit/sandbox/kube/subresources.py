"""The eviction and scale subresources."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.disruption import check_eviction
from drillkit.sandbox.kube.patch import apply_patch
from drillkit.sandbox.kube.routing import Target
from drillkit.sandbox.kube.selection import selector_string
from drillkit.sandbox.kube.status import bad_request, conflict, invalid, not_found, success_body
from drillkit.sandbox.kube.store import Obj, Store
from drillkit.sandbox.kube.wire import read_json
from drillkit.sandbox.kube.workloads import delete_pod


async def evict(request: web.Request, store: Store, tgt: Target) -> dict[str, Any]:
    """policy/v1 (or v1beta1) Eviction: 201 when done, 429 when a budget forbids it."""
    body = await read_json(request) or {}
    if not isinstance(body, dict):
        raise bad_request("Object 'Eviction' is missing in the request body")
    name = (body.get("metadata") or {}).get("name")
    if name not in (None, "", tgt.name):
        raise bad_request("name in URL does not match name in Eviction object")
    pod = store.get(R.PODS.key, tgt.namespace, tgt.name)
    if pod is None:
        raise not_found("pods", "", tgt.name)
    check_eviction(store, pod)
    grace = (body.get("deleteOptions") or {}).get("gracePeriodSeconds")
    delete_pod(store, pod, grace if isinstance(grace, int) else None)
    return success_body(201)


def _owner(store: Store, tgt: Target) -> Obj:
    obj = store.get(tgt.res.key, tgt.namespace, tgt.name)
    if obj is None:
        raise not_found(tgt.res.plural, tgt.res.group, tgt.name)
    return obj


def scale_of(obj: Obj) -> dict[str, Any]:
    """An autoscaling/v1 Scale view of a workload."""
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    status: dict[str, Any] = {"replicas": (obj.get("status") or {}).get("replicas", 0)}
    selector = selector_string(spec.get("selector"))
    if selector:
        status["selector"] = selector
    scale_spec = {"replicas": spec["replicas"]} if spec.get("replicas") else {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": scale_spec,
        "status": status,
    }


def read_scale(store: Store, tgt: Target) -> dict[str, Any]:
    return scale_of(_owner(store, tgt))


async def write_scale(request: web.Request, store: Store, tgt: Target, verb: str) -> dict[str, Any]:
    """PUT or PATCH a Scale; only spec.replicas is written back."""
    obj = _owner(store, tgt)
    body = await read_json(request)
    if verb == "patch":
        body = apply_patch(request.headers.get("Content-Type", ""), scale_of(obj), body)
    if not isinstance(body, dict):
        raise bad_request("Object 'Scale' is missing in the request body")
    raw_meta, raw_spec = body.get("metadata"), body.get("spec")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    rv = meta.get("resourceVersion")
    if rv and rv != obj["metadata"]["resourceVersion"]:
        raise conflict(tgt.res.plural, tgt.res.group, tgt.name)
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    replicas = spec.get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise bad_request(
            "json: cannot unmarshal into Go struct field ScaleSpec.spec.replicas of type int32"
        )
    if replicas < 0:
        raise invalid(
            "Scale",
            "autoscaling",
            tgt.name,
            [("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")],
        )
    new = dict(obj)
    new["spec"] = {**(obj.get("spec") or {}), "replicas": replicas}
    return scale_of(store.replace(tgt.res.key, new, generation=True))
