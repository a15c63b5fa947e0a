"""One raw request through the official client's transport, for what its models hide."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException


def raw(
    api: client.ApiClient,
    method: str,
    path: str,
    body: Any = None,
    content_type: str | None = None,
) -> tuple[int, Any]:
    """(status, decoded JSON body); omitted fields stay omitted, errors are returned, not raised."""
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    verb, url, header_params, serialized, _ = api.param_serialize(
        method, path, header_params=headers, body=body, auth_settings=["BearerToken"]
    )
    try:
        response = api.call_api(verb, url, header_params=header_params, body=serialized)
        response.read()
        status, data = response.status, response.data
    except ApiException as exc:
        status, data = exc.status, exc.body
    if isinstance(data, bytes):
        data = data.decode()
    try:
        return status, json.loads(data) if data else None
    except ValueError:
        return status, data


def raw_bytes(
    api: client.ApiClient, method: str, path: str, data: bytes | None, content_type: str | None
) -> tuple[int, Any]:
    """Send ``data`` exactly as given (malformed bodies included) with the client's credentials."""
    cfg = api.configuration
    headers = {"Accept": "application/json"}
    auth = cfg.auth_settings().get("BearerToken")
    if auth:
        headers[auth["key"]] = auth["value"]
    if content_type:
        headers["Content-Type"] = content_type
    response = api.rest_client.pool_manager.request(
        method, cfg.host + path, body=data, headers=headers, preload_content=True
    )
    try:
        return response.status, json.loads(response.data)
    except ValueError:
        return response.status, response.data.decode(errors="replace")
