"""Where a replication canary writes and reads on each side of the failover: an HTTP request
(the write's method and body, the read's method, on the side's URL) or a Cosmos DB document
(built by the connection's ``CosmosDocsFactory``, ``drillkit.adapters.cosmos``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from drillkit.adapters.canary_ports import CanaryAnswer, CanaryDocs, CanaryHttp, CosmosDocsFactory
from drillkit.core.data import Role
from drillkit.spec.data import Canary

COSMOS_WRITE_OK = (200, 201)
COSMOS_READ_OK = (200,)


@dataclass(frozen=True, slots=True)
class HttpDocs:
    """One side of an HTTP canary: the write's method and body, the read's method, on ``url``
    (the write URL for the target, the read URL for the survivor)."""

    http: CanaryHttp
    canary: Canary
    url: str
    wall: Callable[[], float]

    async def write(self, doc_id: str, at: float) -> CanaryAnswer:
        assert self.canary.write is not None
        body = self.canary.write.body
        return await self.http.send(
            self.canary.write.method,
            fill(self.url, doc_id, at),
            None if body is None else fill(body, doc_id, at),
        )

    async def read(self, doc_id: str) -> CanaryAnswer:
        assert self.canary.read is not None
        return await self.http.send(self.canary.read.method, fill(self.url, doc_id, self.wall()))


def sides(
    canary: Canary, http: CanaryHttp, wall: Callable[[], float]
) -> tuple[dict[Role, CanaryDocs], tuple[int, ...], tuple[int, ...]]:
    """Where a canary writes and reads on each side, and the codes that acknowledge a write
    and find a read; Cosmos DB canaries need ``http`` to build them (``CosmosDocsFactory``)."""
    if canary.cosmos is not None:
        if not isinstance(http, CosmosDocsFactory):
            raise TypeError(f"canary {canary.name} needs Cosmos DB, which this run cannot reach")
        cosmos = canary.cosmos
        docs = {
            Role.TARGET: http.cosmos_docs(cosmos, cosmos.write_location),
            Role.SURVIVOR: http.cosmos_docs(cosmos, cosmos.read_location),
        }
        return docs, COSMOS_WRITE_OK, COSMOS_READ_OK
    assert canary.write is not None and canary.read is not None
    docs = {
        Role.TARGET: HttpDocs(http, canary, canary.write.url, wall),
        Role.SURVIVOR: HttpDocs(http, canary, canary.read.url, wall),
    }
    return docs, tuple(canary.write.ok), tuple(canary.read.ok)


def fill(template: str, doc_id: str, at: float) -> str:
    """``template`` with ``{id}`` and ``{ts}`` (RFC 3339 UTC, milliseconds) replaced."""
    ts = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return template.replace("{id}", doc_id).replace("{ts}", ts)
