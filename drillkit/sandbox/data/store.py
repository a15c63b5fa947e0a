"""Per-region canary documents and the asynchronous replication between regions.

Every write lands in its region's store at once and starts one copy towards each other region.
A copy arrives after a lag drawn from the world's distribution (times ``timeScale``). While its
source or its destination is down the copy's clock stops (replication is paused); with
``onSourceDown: lost`` a copy whose source goes down is dropped instead. Arrivals and drops are
ground truth: ``replicated`` and ``lost`` events, stamped on the wall clock like every event.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from drillkit.sandbox.data.settings import DataWorld

REPLICATED = "replicated"
LOST = "lost"
MAX_BODY = 64 * 1024
_ID = re.compile(r"^[A-Za-z0-9._~-]{1,200}$")

Health = Callable[[str], bool]
Emit = Callable[[dict[str, Any]], None]
CanaryHandler = Callable[[str, web.Request], Awaitable[web.Response]]
"""How an ingress hands ``/canary/...`` of a region to the store."""


@dataclass(frozen=True, slots=True)
class Document:
    """One canary document as a region holds it."""

    body: bytes
    origin: str
    written_at: float


@dataclass(slots=True)
class _Copy:
    """A write on its way from ``source`` to ``dest``; ``remaining`` counts only while moving."""

    id: str
    doc: Document
    source: str
    dest: str
    remaining: float


class ReplicatedStore:
    """Every region's canary documents plus the copies in flight between them."""

    def __init__(
        self,
        regions: Iterable[str],
        settings: DataWorld,
        health: Health,
        *,
        time_scale: float = 1.0,
        emit: Emit | None = None,
        clock: Callable[[], float] = time.time,
        tick: float = 0.005,
    ) -> None:
        self.settings = settings
        self.health = health
        self.time_scale = time_scale
        self.emit: Emit = emit or (lambda event: None)
        self.clock = clock
        self.tick = tick
        self.docs: dict[str, dict[str, Document]] = {region: {} for region in regions}
        self.in_flight: list[_Copy] = []
        self._rng = random.Random(settings.seed)
        self._last_step: float | None = None
        self._task: asyncio.Task[None] | None = None

    def write(self, region: str, doc_id: str, body: bytes) -> Document:
        """Store a document in ``region`` and send a copy towards every other region."""
        now = self.clock()
        self.step(now)
        doc = Document(body, region, now)
        self.docs[region][doc_id] = doc
        for dest in self.docs:
            if dest != region:
                lag = self.settings.lag.draw(self._rng) * self.time_scale
                self.in_flight.append(_Copy(doc_id, doc, region, dest, lag))
        return doc

    def read(self, region: str, doc_id: str) -> Document | None:
        """The document as ``region`` holds it now, or None."""
        self.step(self.clock())
        return self.docs[region].get(doc_id)

    def step(self, now: float) -> None:
        """Advance every copy in flight to ``now``: arrive, pause, or (lossy worlds) drop."""
        elapsed = 0.0 if self._last_step is None else max(0.0, now - self._last_step)
        self._last_step = now
        if not self.in_flight:
            return
        up = {region: self.health(region) for region in self.docs}
        kept: list[_Copy] = []
        for copy in self.in_flight:
            if not up[copy.source] and self.settings.on_source_down == "lost":
                self._event(LOST, now, copy)
                continue
            if up[copy.source] and up[copy.dest]:
                copy.remaining -= elapsed
                if copy.remaining <= 0:
                    self._arrive(now, copy)
                    continue
            kept.append(copy)
        self.in_flight = kept

    def _arrive(self, now: float, copy: _Copy) -> None:
        held = self.docs[copy.dest].get(copy.id)
        if held is None or held.written_at <= copy.doc.written_at:
            self.docs[copy.dest][copy.id] = copy.doc
        self._event(REPLICATED, now, copy, lagS=round(now - copy.doc.written_at, 6))

    def _event(self, kind: str, now: float, copy: _Copy, **extra: Any) -> None:
        self.emit({
            "at": now, "kind": kind, "subnet": None, "id": copy.id, "from": copy.source,
            "to": copy.dest, "writtenAt": copy.doc.written_at, **extra,
        })  # fmt: skip

    async def start(self) -> None:
        """Move copies along on a short tick, so arrivals are stamped when they happen."""
        self._last_step = self.clock()

        async def run() -> None:
            while True:
                self.step(self.clock())
                await asyncio.sleep(self.tick)

        self._task = asyncio.create_task(run(), name="drillkit-sandbox-replication")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def handle(self, region: str, request: web.Request) -> web.Response:
        """``PUT``/``POST``/``GET /canary/{id}`` on ``region``'s ingress."""
        headers = {"X-Drillkit-Region": region}
        doc_id = request.path.removeprefix("/canary/")
        if not _ID.match(doc_id):
            return web.Response(status=400, text="canary id: 1-200 of A-Z a-z 0-9 . _ ~ -\n")
        if not self.health(region):
            return web.Response(
                status=503, text=f"{region} has no ready replicas\n", headers=headers
            )
        if request.method in ("PUT", "POST"):
            body = await request.content.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                return web.Response(status=413, text="canary body over 64 KiB\n", headers=headers)
            created = doc_id not in self.docs[region]
            doc = self.write(region, doc_id, body)
            return web.json_response(
                {"id": doc_id, "region": region, "writtenAt": doc.written_at},
                status=201 if created else 200,
                headers=headers,
            )
        if request.method in ("GET", "HEAD"):
            found = self.read(region, doc_id)
            if found is None:
                return web.Response(status=404, text=f"{doc_id} not in {region}\n", headers=headers)
            headers |= {
                "X-Canary-Origin": found.origin,
                "X-Canary-Written-At": f"{found.written_at}",
            }
            return web.Response(body=found.body, headers=headers)
        return web.Response(status=405, headers=headers | {"Allow": "GET, HEAD, PUT, POST"})
