"""The canary ports: send one request (or write and read one document), get its status and
when it was sent and answered.

Those two wall-clock instants bracket when the server handled the request: every canary figure
is measured from such brackets (``drillkit.core.data``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from drillkit.spec.data import CosmosCanary


@dataclass(frozen=True, slots=True)
class CanaryAnswer:
    """What one canary request got back; ``status`` is None when no response arrived."""

    status: int | None
    sent_at: float
    answered_at: float
    error: str | None = None


class CanaryHttp(Protocol):
    """Send one canary request."""

    async def send(self, method: str, url: str, body: str | None = None) -> CanaryAnswer: ...


class CanaryDocs(Protocol):
    """One side of a canary: write a document ``at`` a wall-clock instant, read it back."""

    async def write(self, doc_id: str, at: float) -> CanaryAnswer: ...

    async def read(self, doc_id: str) -> CanaryAnswer: ...


@runtime_checkable
class CosmosDocsFactory(Protocol):
    """Builds the Cosmos DB side of a canary for one location (``drillkit.adapters.cosmos``)."""

    def cosmos_docs(self, spec: CosmosCanary, location: str) -> CanaryDocs: ...
