"""Replication canary documents in Cosmos DB for NoSQL, through the azure-cosmos SDK's asyncio
client (imported when the first client is built; ``pip install drillkit[cosmos]``).

One client per side of the canary, each with ``preferred_locations`` set to that side's
location: the target's for writes, the survivor's for reads. The SDK routes a request to another
location when the preferred one is unavailable or (for a write to a single-write-region account)
not writable; the canary must not count such a request as one the preferred location answered,
so every response's endpoint is compared with the location's own endpoint as the account lists
it (``GET /``, ``readableLocations``/``writableLocations``), and a request another endpoint
answered is an observation with no status. What the account's consistency level lets a canary
prove is in docs/data-canaries.md.

Errors are translated here: an SDK error becomes an answer with its status (404: not readable
yet) or none, and a short error; a canary that cannot reach a location is an observation, not a
failure of the drill.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from drillkit.adapters.canary_ports import CanaryAnswer
from drillkit.adapters.clock import anchored_wall
from drillkit.adapters.errors import short
from drillkit.spec.data import CosmosCanary


class AsyncCredential:
    """An azure-core ``AsyncTokenCredential`` over a synchronous ``TokenCredential`` (the
    DefaultAzureCredential drillkit builds): each token is fetched on a worker thread. The SDK's
    bearer policy caches the token, so this runs about once an hour."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self._inner.get_token, *scopes, **kwargs)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"AsyncCredential({self._inner!r})"


def _key(location: str) -> str:
    return location.replace(" ", "").lower()


class CosmosDocs:
    """``CanaryDocs`` for one location of a Cosmos DB account."""

    def __init__(
        self,
        spec: CosmosCanary,
        location: str,
        credential: Any,
        *,
        verify: bool | str = True,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = anchored_wall,
    ) -> None:
        self.spec = spec
        self.location = location
        self._credential = credential
        self._verify = verify
        self._timeout_s = timeout_s
        self._clock = clock
        self._client: Any = None
        self._container: Any = None
        self._connecting: asyncio.Lock | None = None
        self.endpoints: dict[str, tuple[str, str]] = {}
        """The account's locations as its ``GET /`` lists them: key -> (name, host:port)."""

    async def _connect(self) -> Any:
        """The container client, after the client's own set-up (``async with``'s enter: it reads
        the account, and under Session consistency starts the session-token cache)."""
        self._connecting = self._connecting or asyncio.Lock()
        async with self._connecting:  # concurrent first requests share one client
            if self._container is None:
                await self._open()
        return self._container

    async def _open(self) -> None:
        from azure.cosmos.aio import CosmosClient

        options: dict[str, Any] = {}
        if isinstance(self._verify, str):
            options["connection_verify"] = self._verify
        client = CosmosClient(
            self.spec.endpoint,
            AsyncCredential(self._credential),
            preferred_locations=[self.location],
            multiple_write_locations=True,  # used only where the account allows it
            raw_response_hook=self._seen,
            **options,
        )
        try:
            await client.__aenter__()
        except BaseException:
            await client.close()
            raise
        self._client = client
        database = self._client.get_database_client(self.spec.database)
        self._container = database.get_container_client(self.spec.container)

    def _seen(self, response: Any) -> None:
        """Learn each location's endpoint from the account document, whenever the SDK reads it."""
        request = response.http_request
        if request.method != "GET" or urlsplit(request.url).path not in ("", "/"):
            return
        try:
            account = json.loads(response.http_response.text())
        except (ValueError, AttributeError):
            return
        for kind in ("readableLocations", "writableLocations"):
            for entry in account.get(kind) or []:
                name, url = entry.get("name"), entry.get("databaseAccountEndpoint")
                if isinstance(name, str) and isinstance(url, str):
                    self.endpoints[_key(name)] = (name, urlsplit(url).netloc.lower())

    async def write(self, doc_id: str, at: float) -> CanaryAnswer:
        ts = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
        body = {"id": doc_id, self.spec.partition_key.lstrip("/"): doc_id, "ts": ts}
        return await self._call("create_item", body)

    async def read(self, doc_id: str) -> CanaryAnswer:
        return await self._call("read_item", doc_id, partition_key=doc_id)

    async def _call(self, op: str, *args: Any, **kwargs: Any) -> CanaryAnswer:
        from azure.core.exceptions import AzureError

        served: list[str] = []

        def hook(response: Any) -> None:
            self._seen(response)
            if "/docs" in urlsplit(response.http_request.url).path:
                served.append(urlsplit(response.http_request.url).netloc.lower())

        try:  # the client's set-up (its first account read) stays out of the bracket
            container = await self._connect()
        except (AzureError, OSError, TimeoutError) as e:
            now = self._clock()
            return _failed(e, now, now)
        sent = self._clock()
        try:
            await getattr(container, op)(
                *args, raw_response_hook=hook, timeout=self._timeout_s, **kwargs
            )
            answer = CanaryAnswer(201 if op == "create_item" else 200, sent, self._clock())
        except (AzureError, OSError, TimeoutError) as e:
            answer = _failed(e, sent, self._clock())
        elsewhere = self._elsewhere(served[-1]) if served else None
        if elsewhere is not None:  # another location's answer, found or not, is none of ours
            return CanaryAnswer(None, sent, answer.answered_at, elsewhere)
        return answer

    def _elsewhere(self, netloc: str) -> str | None:
        """Why the answer ``netloc`` gave is not this location's, or None when it is."""
        own = self.endpoints.get(_key(self.location))
        if own is None:
            listed = ", ".join(sorted(name for name, _ in self.endpoints.values())) or "none"
            return f"{self.location} is not a location of the account (it lists: {listed})"
        if netloc != own[1]:
            other = next((n for n, h in self.endpoints.values() if h == netloc), netloc)
            return f"answered by {other}, not {self.location}"
        return None

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client, self._container = self._client, None, None
            await client.__aexit__(None, None, None)


def _failed(error: BaseException, sent: float, answered: float) -> CanaryAnswer:
    """An SDK error as an answer: 404 (not there yet) with no error; anything else (a refused
    token, a location that is down, throttling) with no status, since it says nothing about
    whether the document is there, and a short error that keeps the status."""
    from azure.cosmos.exceptions import CosmosHttpResponseError

    if isinstance(error, CosmosHttpResponseError):
        if error.status_code == 404:
            return CanaryAnswer(404, sent, answered)
        sub = getattr(error, "sub_status", None)
        text = short(f"{error.status_code}/{sub}: {error.message}")
        return CanaryAnswer(None, sent, answered, text)
    return CanaryAnswer(None, sent, answered, short(f"{type(error).__name__}: {error}"))


class CosmosConnector:
    """``CosmosDocsFactory``: one ``CosmosDocs`` per canary side, all with one credential
    (``credential`` builds it on first use: DefaultAzureCredential in a real run)."""

    def __init__(self, credential: Callable[[], Any], *, verify: bool | str = True) -> None:
        self._make_credential = credential
        self._credential: Any = None
        self._verify = verify

    def cosmos_docs(self, spec: CosmosCanary, location: str) -> CosmosDocs:
        if self._credential is None:
            self._credential = self._make_credential()
        return CosmosDocs(spec, location, self._credential, verify=self._verify)
