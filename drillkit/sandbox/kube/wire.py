"""JSON in and out of the twin's HTTP handlers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.status import ApiError, bad_request
from drillkit.sandbox.kube.store import Obj


def respond(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )


def present(res: R.Resource, version: str, obj: Obj) -> Obj:
    """The object as the requested version shows it (storage is the first version)."""
    api_version = res.api_version(version)
    if obj.get("apiVersion") == api_version:
        return obj
    if res is R.HPAS and version == "v1":
        return hpa_v1(obj)
    return {**obj, "apiVersion": api_version}


def _cpu_target(spec: dict[str, Any]) -> int | None:
    for metric in spec.get("metrics") or []:
        resource = (metric or {}).get("resource") or {}
        if resource.get("name") == "cpu":
            value = (resource.get("target") or {}).get("averageUtilization")
            return value if isinstance(value, int) else None
    return None


def hpa_v1(obj: Obj) -> Obj:
    """An autoscaling/v2 HPA as autoscaling/v1 shows it (CPU target only)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    v1_spec = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    if (cpu := _cpu_target(spec)) is not None:
        v1_spec["targetCPUUtilizationPercentage"] = cpu
    v1_status = {
        k: status[k]
        for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
        if k in status
    }
    v1_status.setdefault("desiredReplicas", 0)
    return {**obj, "apiVersion": "autoscaling/v1", "spec": v1_spec, "status": v1_status}


def to_storage(res: R.Resource, version: str, obj: Any) -> Any:
    """A written object converted to the storage version (autoscaling/v1 HPAs to v2)."""
    if res is not R.HPAS or version != "v1" or not isinstance(obj, dict):
        return obj
    spec = dict(obj.get("spec") or {}) if isinstance(obj.get("spec"), dict) else {}
    cpu = spec.pop("targetCPUUtilizationPercentage", None)
    if cpu is not None:
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": cpu},
                },
            }
        ]
    return {**obj, "apiVersion": "autoscaling/v2", "spec": spec}


async def read_json(request: web.Request) -> Any:
    """The request body as JSON (None when empty); 400 when it is not JSON."""
    if "protobuf" in request.headers.get("Content-Type", ""):
        raise ApiError(
            415,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml",
            "UnsupportedMediaType",
        )
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request(f"json parse error: {e}") from e
