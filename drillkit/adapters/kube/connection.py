"""One kubeconfig context's API client: loading it, a timeout on every call, retries, and
the SDK's errors translated into drillkit's."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from drillkit.adapters import retry
from drillkit.adapters.errors import from_status, short, status_message
from drillkit.errors import PreflightRefused

T = TypeVar("T")
IN_CLUSTER = "in-cluster"
FIELD_MANAGER = "drillkit"
"""Every write names drillkit in managedFields, so a revert is told apart from drillkit's own."""
REQUEST_TIMEOUT_S = (5.0, 30.0)  # connect, read
STRATEGIC_MERGE = "application/strategic-merge-patch+json"
"""What the SDK sends for a patch with an object body (drillkit's writes keep sending it)."""
POOL_SIZE = 32
"""Kept-alive connections per context: at least the drain's concurrent evictions and restores
(the SDK's default of 10 made every further thread open, and drop, a TLS connection per call)."""


def _translate(what: str, fn: Callable[[], T]) -> T:
    """Call ``fn``; SDK and transport errors become drillkit errors."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as e:
        raise from_status(what, e.status, status_message(e.body), e.headers) from e
    except HTTPError as e:
        raise from_status(what, None, short(e)) from e


def _params(query: dict[str, str]) -> list[tuple[str, str]]:
    """Query parameters, the empty ones left out."""
    return [(k, v) for k, v in query.items() if v]


class KubeConnection:
    """The API client of one context (or the pod's own cluster), shared by the resource
    families that make up ``KubeCluster``."""

    def __init__(
        self, context: str, kubeconfig: str | None = None, *, retry_deadline_s: float = 20.0
    ) -> None:
        from kubernetes import client, config

        self.context = context
        self._deadline = retry_deadline_s
        configuration = client.Configuration()
        try:
            if context == IN_CLUSTER:
                config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            else:
                config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=kubeconfig,
                    context=context,
                    client_configuration=configuration,
                    persist_config=False,
                )
        except (config.ConfigException, OSError, ValueError) as e:
            where = kubeconfig or "the default kubeconfig"
            raise PreflightRefused(
                f"cannot load kube context {context!r} from {where}: {short(e)}; "
                "nothing was changed: check the context name with `kubectl config get-contexts`"
            ) from e
        configuration.connection_pool_maxsize = POOL_SIZE
        self._api = client.ApiClient(configuration)
        self._default_timeout()
        self._eviction_version: str | None = None

    def _default_timeout(self) -> None:
        """The client waits forever by default; a hung API server must not hang the drill."""
        call_api = self._api.call_api

        def with_timeout(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("_request_timeout") is None:
                kwargs["_request_timeout"] = REQUEST_TIMEOUT_S
            return call_api(*args, **kwargs)

        self._api.call_api = with_timeout  # type: ignore[method-assign]

    def _client(self, api_class: str) -> Any:
        """One of the SDK's API classes over this connection, imported on first use (each is
        slow to import; the read-only lists and the drain's writes go through plain JSON)."""
        from kubernetes import client

        return getattr(client, api_class)(self._api)

    @cached_property
    def core(self) -> Any:
        """CoreV1Api (it alone costs about 2.5x ``import kubernetes``)."""
        return self._client("CoreV1Api")

    @cached_property
    def coordination(self) -> Any:
        return self._client("CoordinationV1Api")

    @cached_property
    def authz(self) -> Any:
        return self._client("AuthorizationV1Api")

    def read_json(self, what: str, path: str, **query: str) -> Any:
        """GET ``path`` as JSON (a ``rawread.View``), with retries and drillkit's errors."""
        from drillkit.adapters.kube.rawread import get_json

        params = _params(query)
        return self._call(what, lambda: get_json(self._api, what, path, params))

    def send_json(
        self,
        what: str,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        **query: str,
    ) -> tuple[int, bytes, Any]:
        """A write as plain JSON (no SDK models): (status, body, headers) whatever the status;
        transport errors are retried and translated; the caller judges the status."""
        from drillkit.adapters.kube.rawread import send_json

        params = _params(query)
        return _translate(
            what,
            lambda: send_json(
                self._api, method, path, body, query=params, content_type=content_type
            ),
        )

    def write_json(
        self,
        what: str,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        **query: str,
    ) -> None:
        """``send_json`` with retries; any status but 2xx becomes drillkit's error."""

        def once() -> None:
            status, data, headers = self.send_json(what, method, path, body, content_type, **query)
            if not 200 <= status < 300:
                raise from_status(what, status, status_message(data), headers)

        retry.call(f"kube.{what}", once, deadline_s=self._deadline)

    @cached_property
    def apps(self) -> Any:
        """AppsV1Api (only scale-down and its checks need it)."""
        return self._client("AppsV1Api")

    @cached_property
    def autoscaling(self) -> Any:
        return self._client("AutoscalingV1Api")

    def close(self) -> None:
        self._api.close()  # type: ignore[no-untyped-call]

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return retry.call(f"kube.{what}", lambda: _translate(what, fn), deadline_s=self._deadline)
