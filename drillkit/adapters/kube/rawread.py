"""Reads as plain JSON, without the SDK's generated API classes and models.

Importing ``kubernetes.client.CoreV1Api`` costs about 2.5x ``import kubernetes`` (63,000
generated lines, each method wrapped by pydantic's ``validate_call``); read-only commands
(``plan --inspect``) only list nodes, pods and budgets, so they GET the JSON through the
configured ``ApiClient`` (same TLS, token and timeout) and read it through ``View``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from drillkit.adapters.errors import from_status, status_message

_UPPER = re.compile(r"_([a-z])")


def camel(name: str) -> str:
    """``owner_references`` -> ``ownerReferences`` (the JSON name of an SDK attribute)."""
    return _UPPER.sub(lambda m: m.group(1).upper(), name)


MAPS = frozenset({"labels", "annotations", "matchLabels", "nodeSelector", "data"})
"""Fields that are string maps in the API: they stay dicts, as the SDK models keep them."""


class View:
    """A JSON object read like the SDK model: ``pod.spec.node_name`` is ``pod["spec"]["nodeName"]``,
    a missing field is None; maps (labels, annotations) stay dicts."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        key = camel(name)
        value = self._data.get(key)
        return value if key in MAPS else wrap(value)

    def __repr__(self) -> str:
        return f"View({self._data!r})"


def wrap(value: Any) -> Any:
    """Objects become ``View``s, lists are wrapped element-wise, scalars stay as they are."""
    if isinstance(value, dict):
        return View(value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def get_json(api: Any, what: str, path: str, query: list[tuple[str, str]]) -> Any:
    """GET ``path`` through the SDK's ``ApiClient`` and return the body as a ``View``."""
    headers = {"Accept": "application/json"}
    if hasattr(api, "param_serialize"):  # kubernetes >= 31
        method, url, headers, body, post = api.param_serialize(
            "GET", path, query_params=query, header_params=headers, auth_settings=["BearerToken"]
        )
        response = api.call_api(method, url, headers, body, post)
        response.read()
        status, data = response.status, response.data
    else:  # pragma: no cover - older SDKs (nox -s sdk)
        response = api.call_api(
            path,
            "GET",
            query_params=query,
            header_params=headers,
            auth_settings=["BearerToken"],
            _preload_content=False,
            _return_http_data_only=True,
        )
        status, data = response.status, response.data
    if not 200 <= status < 300:
        raise from_status(what, status, status_message(data), getattr(response, "headers", None))
    return wrap(json.loads(data))


def send_json(
    api: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    query: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
) -> tuple[int, bytes, Any]:
    """A write (POST, PATCH, DELETE) through the ``ApiClient``, without the SDK's API classes
    and models: (status, body bytes, headers), whatever the status. Transport errors raise
    urllib3's ``HTTPError`` (``connection._translate`` turns them into drillkit's)."""
    headers = {"Accept": "application/json", "Content-Type": content_type}
    if hasattr(api, "param_serialize"):  # kubernetes >= 31
        method, url, headers, payload, post = api.param_serialize(
            method, path, query_params=query or [], header_params=headers, body=body,
            auth_settings=["BearerToken"],
        )  # fmt: skip
        response = api.call_api(method, url, headers, payload, post)
        response.read()
        return int(response.status), bytes(response.data or b""), response.getheaders()
    from kubernetes.client.exceptions import ApiException  # pragma: no cover - older SDKs

    try:  # pragma: no cover - older SDKs (nox -s sdk) raise on any status but 2xx
        response = api.call_api(
            path, method, query_params=query or [], header_params=headers, body=body,
            auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True,
        )  # fmt: skip
    except ApiException as e:  # pragma: no cover
        body = e.body.encode() if isinstance(e.body, str) else bytes(e.body or b"")
        return int(e.status or 0), body, e.headers
    return (
        int(response.status),
        bytes(response.data or b""),
        response.getheaders(),
    )  # pragma: no cover
