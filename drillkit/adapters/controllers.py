"""Any Kubernetes object by its API path, as plain JSON, through the official client's transport:
what the controllers around a workload need (labels, annotations, managedFields in their wire
form; KEDA, Flux and Argo CD custom resources) and their pause switches, written as JSON merge
patches with field manager ``drillkit``.

A 404 reads as None: the object is gone, or its CRD is not installed (nothing of that kind acts
on the cluster).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drillkit.adapters import retry
from drillkit.adapters.errors import from_status, short, status_message
from drillkit.errors import AdapterError

T = TypeVar("T")
FIELD_MANAGER = "drillkit"
MERGE = "application/merge-patch+json"


def _translate(what: str, fn: Callable[[], T]) -> T:
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as e:
        raise from_status(what, e.status, status_message(e.body), e.headers) from e
    except HTTPError as e:
        raise from_status(what, None, short(e)) from e


class KubeObjects:
    """``Objects`` over one cluster's ApiClient (shared with the cluster adapter)."""

    def __init__(self, api_client: Any, *, retry_deadline_s: float = 20.0) -> None:
        self._api = api_client
        self._deadline = retry_deadline_s

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        query: list[tuple[str, str]] = []
        if body is not None:
            headers["Content-Type"] = MERGE
            query.append(("fieldManager", FIELD_MANAGER))

        def send() -> Any:
            verb, url, header_params, payload, _ = self._api.param_serialize(
                method,
                path,
                query_params=query,
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self._api.call_api(verb, url, header_params=header_params, body=payload)
            response.read()
            return self._api.response_deserialize(response, {"200": "object"}).data

        return retry.call(
            f"kube.{method.lower()} {path}",
            lambda: _translate(f"{method} {path}", send),
            deadline_s=self._deadline,
        )

    def get(self, path: str) -> dict[str, Any] | None:
        """The object (or list) at ``path``; None on 404."""
        try:
            found = self._request("GET", path)
        except AdapterError as e:
            if getattr(e, "status", None) == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    def patch(self, path: str, patch: dict[str, Any]) -> None:
        """A JSON merge patch (null deletes a field) as field manager ``drillkit``."""
        self._request("PATCH", path, patch)
