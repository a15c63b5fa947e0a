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
    """The object as the requested version names it (policy/v1beta1 shares storage)."""
    api_version = res.api_version(version)
    if obj.get("apiVersion") == api_version:
        return obj
    return {**obj, "apiVersion": api_version}


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
