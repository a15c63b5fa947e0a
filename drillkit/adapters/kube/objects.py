"""Any object by its API path, as plain JSON: what the controllers around a workload need
(labels, annotations, managedFields in their wire form; KEDA, Flux and Argo CD custom
resources) and their pause switches, written as JSON merge patches with field manager
``drillkit``. A 404 reads as None: the object is gone, or its CRD is not installed (nothing of
that kind acts on the cluster).
"""

from __future__ import annotations

from typing import Any

from drillkit.adapters.kube.connection import FIELD_MANAGER, KubeConnection
from drillkit.errors import AdapterError

MERGE = "application/merge-patch+json"


class KubeObjects(KubeConnection):
    """``Objects``."""

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
            response.read()  # type: ignore[no-untyped-call]
            return self._api.response_deserialize(response, {"200": "object"}).data

        return self._call(f"{method} {path}", send)

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
