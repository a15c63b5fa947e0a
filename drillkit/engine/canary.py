"""Replication canaries during a drill: writes through the target, reads on the survivor.

Each canary writes every ``every`` and polls twice as often. Until the fault, and after it for
as long as the target acknowledges, a write goes through the target; the first refusal after
the fault closes the target, and from then until restore the survivor takes the writes instead
(write-back). Every acknowledged write not readable yet is polled: target writes on the
survivor at once, survivor writes through the target after restore. When the drill ends, every
write still unread is recorded as never readable. Each tick is at most one record (one fsync).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from drillkit.adapters.canary_ports import CanaryAnswer, CanaryHttp
from drillkit.core.data import CanaryReadSample, CanaryWriteSample, Role
from drillkit.engine.records import CanaryRead, CanaryTicked, CanaryWrite
from drillkit.spec.data import Canary

MAX_READS_IN_FLIGHT = 64
READS_PER_WRITE = 2
"""Survivor reads run twice per ``every``: a lag bracket is then about half an ``every`` wide."""


@dataclass(frozen=True, slots=True)
class CanaryTick:
    """What one canary did in one tick: at most one write, and the reads that settled."""

    canary: str
    writes: tuple[CanaryWriteSample, ...] = ()
    reads: tuple[CanaryReadSample, ...] = ()


Sink = Callable[[CanaryTick], None]


def fill(template: str, doc_id: str, at: float) -> str:
    """``template`` with ``{id}`` and ``{ts}`` (RFC 3339 UTC, milliseconds) replaced."""
    ts = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return template.replace("{id}", doc_id).replace("{ts}", ts)


@dataclass
class _Pending:
    write: CanaryWriteSample
    last_miss_at: float | None = None
    polls: int = 0


@dataclass
class Phases:
    """The instants the runner sets from its own thread; the loop only reads them."""

    fault_at: float | None = None
    restored_at: float | None = None


@dataclass
class _State:
    n: int = 0
    target_open: bool = True
    on_survivor: dict[str, _Pending] = field(default_factory=dict)
    """Target writes not yet readable on the survivor."""
    write_back: dict[str, _Pending] = field(default_factory=dict)
    """Survivor writes not yet readable through the target."""


class CanaryLoop:
    """Every canary of a drill, in the observer's event loop."""

    def __init__(
        self,
        canaries: Sequence[Canary],
        http: CanaryHttp,
        sink: Sink,
        *,
        tag: str,
        wall: Callable[[], float],
        phases: Phases | None = None,
    ) -> None:
        self.canaries = list(canaries)
        self.http = http
        self.sink = sink
        self.tag = tag
        self.wall = wall
        self.phases = phases or Phases()
        self.states = {c.name: _State() for c in self.canaries}
        self._reads = asyncio.Semaphore(MAX_READS_IN_FLIGHT)

    async def run(self, stopping: asyncio.Event) -> None:
        """Tick every canary until ``stopping`` is set, then record every unread write."""
        await asyncio.gather(*(self._run_one(c, stopping) for c in self.canaries))

    async def _run_one(self, canary: Canary, stopping: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        step = float(canary.every) / READS_PER_WRITE
        start, k = loop.time(), 0
        try:
            while not stopping.is_set():
                delay = start + k * step - loop.time()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), delay)
                    if stopping.is_set():
                        break
                writes = k % READS_PER_WRITE == 0
                k = max(k + 1, int((loop.time() - start) / step))  # skip ticks we overran
                self.sink(await self.tick(canary, write=writes))
        finally:
            self.sink(self.unread(canary))

    async def tick(self, canary: Canary, *, write: bool = True) -> CanaryTick:
        """A write (with ``write``, when one is due) and one poll of every pending write.

        Reads on the survivor go with the write; write-back reads (after restore, often many at
        once) go after them and only on write ticks, so that they do not widen the lag brackets
        of the survivor's reads.
        """
        state = self.states[canary.name]
        restored = self.phases.restored_at is not None
        on_survivor = list(state.on_survivor.items())
        written, found = await asyncio.gather(
            self._write(canary, state) if write else _nothing(),
            asyncio.gather(
                *(self._poll(canary, state, d, p, Role.SURVIVOR) for d, p in on_survivor)
            ),
        )
        if write and restored and state.write_back:
            found += await asyncio.gather(
                *(self._poll(canary, state, d, p, Role.TARGET)
                  for d, p in list(state.write_back.items()))
            )  # fmt: skip
        reads = tuple(r for r in found if r is not None)
        return CanaryTick(canary.name, () if written is None else (written,), reads)

    async def _write(self, canary: Canary, state: _State) -> CanaryWriteSample | None:
        fault_at, restored_at = self.phases.fault_at, self.phases.restored_at
        if restored_at is not None:
            return None
        role = Role.TARGET if fault_at is None or state.target_open else Role.SURVIVOR
        state.n += 1
        doc = f"{canary.name}-{self.tag}-{state.n}"
        url = canary.write.url if role is Role.TARGET else canary.read.url
        body = None if canary.write.body is None else fill(canary.write.body, doc, self.wall())
        answer = await self.http.send(canary.write.method, fill(url, doc, self.wall()), body)
        sample = _write_sample(canary, doc, role, answer)
        if sample.acked:
            pending = state.on_survivor if role is Role.TARGET else state.write_back
            pending[doc] = _Pending(sample)
        elif role is Role.TARGET and fault_at is not None and sample.sent_at >= fault_at:
            state.target_open = False
        return sample

    async def _poll(
        self, canary: Canary, state: _State, doc: str, pending: _Pending, role: Role
    ) -> CanaryReadSample | None:
        url = canary.read.url if role is Role.SURVIVOR else canary.write.url
        async with self._reads:
            answer = await self.http.send(canary.read.method, fill(url, doc, self.wall()))
        pending.polls += 1
        if answer.status not in canary.read.ok:
            pending.last_miss_at = answer.sent_at
            return None
        (state.on_survivor if role is Role.SURVIVOR else state.write_back).pop(doc, None)
        return CanaryReadSample(
            canary.name, doc, role, True, pending.last_miss_at, answer.answered_at, pending.polls
        )

    def written_back(self) -> bool:
        """No survivor write is still waiting to be read through the target."""
        return all(not state.write_back for state in self.states.values())

    def unread(self, canary: Canary) -> CanaryTick:
        """Every acknowledged write never found, as a final record."""
        state = self.states[canary.name]
        reads = [
            CanaryReadSample(canary.name, doc, role, False, p.last_miss_at, None, p.polls)
            for role, pending in (
                (Role.SURVIVOR, state.on_survivor),
                (Role.TARGET, state.write_back),
            )
            for doc, p in pending.items()
        ]
        state.on_survivor.clear()
        state.write_back.clear()
        return CanaryTick(canary.name, (), tuple(reads))


def canary_record(tick: CanaryTick) -> CanaryTicked:
    """The journal record of one tick."""
    return CanaryTicked(
        canary=tick.canary,
        writes=tuple(
            CanaryWrite(id=w.id, role=str(w.role), sent_at=w.sent_at, answered_at=w.answered_at,
                        acked=w.acked, status=w.status, error=w.error)
            for w in tick.writes
        ),
        reads=tuple(
            CanaryRead(id=r.id, role=str(r.role), readable=r.readable,
                       last_miss_at=r.last_miss_at, found_at=r.found_at, polls=r.polls)
            for r in tick.reads
        ),
    )  # fmt: skip


def samples_of(
    record: CanaryTicked,
) -> tuple[list[CanaryWriteSample], list[CanaryReadSample]]:
    """The core's samples of one ``canary`` record."""
    name = record.canary
    writes = [
        CanaryWriteSample(name, w.id, Role(w.role), w.sent_at, w.answered_at, w.acked,
                          w.status, w.error)
        for w in record.writes
    ]  # fmt: skip
    reads = [
        CanaryReadSample(name, r.id, Role(r.role), r.readable, r.last_miss_at, r.found_at,
                         r.polls)
        for r in record.reads
    ]  # fmt: skip
    return writes, reads


async def _nothing() -> None:
    return None


def _write_sample(canary: Canary, doc: str, role: Role, answer: CanaryAnswer) -> CanaryWriteSample:
    return CanaryWriteSample(
        canary=canary.name,
        id=doc,
        role=role,
        sent_at=answer.sent_at,
        answered_at=answer.answered_at,
        acked=answer.status in canary.write.ok,
        status=answer.status,
        error=answer.error,
    )
