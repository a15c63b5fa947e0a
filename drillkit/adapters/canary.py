"""Replication canary requests over HTTP with httpx (imported when the first client is built).

Transport errors come back as an answer with no status and a short, redacted error: a canary
that cannot reach a region is an observation, not a failure of the drill.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

from drillkit.adapters.canary_ports import CanaryAnswer, CanaryDocs, CosmosDocsFactory
from drillkit.adapters.clock import anchored_wall
from drillkit.adapters.errors import short
from drillkit.adapters.ports import IngressAddress
from drillkit.errors import PreflightRefused
from drillkit.spec.data import CosmosCanary


class HttpxCanary:
    """``CanaryHttp`` on one httpx connection pool; ``overrides`` sends a host to a loopback
    address with its own name as Host, as curl --resolve does (the sandbox's ingresses).

    ``clock`` is the drill's wall clock (monotonic-anchored), the one the fault and restore
    instants are taken on, so that an NTP step during the drill cannot move a bracket."""

    def __init__(
        self,
        *,
        timeout_s: float = 5.0,
        overrides: Mapping[str, IngressAddress] | None = None,
        verify: bool | str = True,
        clock: Callable[[], float] = anchored_wall,
        cosmos: CosmosDocsFactory | None = None,
    ) -> None:
        import httpx

        self._cosmos = cosmos

        self._overrides = {k.lower().rstrip("."): v for k, v in (overrides or {}).items()}
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=timeout_s, follow_redirects=False, verify=verify, trust_env=False
        )

    def route(self, url: str) -> tuple[str, dict[str, str]]:
        """The URL to connect to and the headers to add, after any override."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        override = self._overrides.get(host)
        if override is None:
            return url, {}
        netloc = f"{override.address}:{override.port}"
        return urlunsplit((override.scheme, netloc, parts.path, parts.query, "")), {
            "Host": parts.netloc
        }

    async def send(self, method: str, url: str, body: str | None = None) -> CanaryAnswer:
        import httpx

        target, headers = self.route(url)
        if body is not None:
            headers["Content-Type"] = "application/json"
        sent = self._clock()
        try:
            response = await self._client.request(
                method, target, content=None if body is None else body.encode(), headers=headers
            )
        except httpx.HTTPError as e:
            return CanaryAnswer(None, sent, self._clock(), short(f"{type(e).__name__}: {e}"))
        return CanaryAnswer(response.status_code, sent, self._clock())

    def cosmos_docs(self, spec: CosmosCanary, location: str) -> CanaryDocs:
        """The Cosmos DB side of a canary, from the connection's factory."""
        if self._cosmos is None:
            raise PreflightRefused(
                f"a Cosmos DB canary ({spec.endpoint}) needs a real Azure run: the sandbox has "
                "no Cosmos DB; nothing was changed"
            )
        return self._cosmos.cosmos_docs(spec, location)

    async def aclose(self) -> None:
        await self._client.aclose()
