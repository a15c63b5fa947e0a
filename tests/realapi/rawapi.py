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
