"""Replication canaries during a drill: writes through the target, reads on the survivor.

Each canary writes every ``every`` and polls twice as often, on two schedules of its own: a
write never waits for a read or for an earlier write, and a slow read delays no other (every
request is its own task; an id's polls overlap when the survivor answers slowly). Until the
fault, and after it for as long as the target acknowledges, a write goes through the target;
the first refusal after the fault closes the target, and from then until restore the survivor
takes the writes instead (write-back). Every acknowledged write not readable yet is polled:
target writes on the survivor at once, survivor writes through the target after restore. When
the drill ends, every write still unread is recorded as never readable.

The canaries run on a thread and event loop of their own, so that the observer's DNS and ARM
work and its journal writes cannot hold a request's answer back, and the journal is written by
one more thread: each read beat hands what settled since the last one over as one record (one
fsync), without waiting for it. Every figure is measured from the send and answer instants
that bracket each request (``drillkit.core.data``), so a late answer widens a bracket but never
moves a figure outside it; these two threads keep the brackets narrow.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from drillkit.adapters.canary_ports import CanaryAnswer, CanaryDocs, CanaryHttp
from drillkit.core.data import CanaryReadSample, CanaryWriteSample, Role
from drillkit.engine.canary_sides import sides
from drillkit.engine.records import CanaryTicked
from drillkit.engine.samples import CanaryRead, CanaryWrite
from drillkit.spec.data import Canary

MAX_READS_IN_FLIGHT = 64
MAX_WRITE_BACK_READS_IN_FLIGHT = 4
"""Write-back reads (after restore, often dozens at once) share the servers with the survivor's
reads: a burst of them would queue those and widen their lag brackets."""
MAX_WRITES_IN_FLIGHT = 16
"""A write beat that finds this many writes unanswered is skipped (a region that hangs)."""
POLLS_IN_FLIGHT_PER_WRITE = 4
"""A survivor poll is sent on its beat even while earlier ones are unanswered (up to this many):
when the servers answer slowly, the bracket is a step plus one round trip, not plus two and
the wait for the next beat. Write-back reads keep one in flight."""
READS_PER_WRITE = 2
"""Survivor reads run twice per ``every``: a lag bracket is then about half an ``every`` wide
plus the round trips of the write and of the read that found it."""
JOIN_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class CanaryTick:
    """What one canary settled in one read beat: its answered writes and its settled reads."""

    canary: str
    writes: tuple[CanaryWriteSample, ...] = ()
    reads: tuple[CanaryReadSample, ...] = ()


Sink = Callable[[CanaryTick], None]


@dataclass
class _Pending:
    write: CanaryWriteSample
    last_miss_at: float | None = None
    polls: int = 0
    in_flight: int = 0


@dataclass
class Phases:
    """The instants the runner sets from its own thread; the loop only reads them."""

    fault_at: float | None = None
    restored_at: float | None = None


@dataclass
class _State:
    docs: dict[Role, CanaryDocs] = field(default_factory=dict)
    write_ok: tuple[int, ...] = ()
    read_ok: tuple[int, ...] = ()
    n: int = 0
    target_open: bool = True
    writing: int = 0
    skipped: int = 0
    """Write beats skipped because ``MAX_WRITES_IN_FLIGHT`` writes were unanswered."""
    on_survivor: dict[str, _Pending] = field(default_factory=dict)
    """Target writes not yet readable on the survivor."""
    write_back: dict[str, _Pending] = field(default_factory=dict)
    """Survivor writes not yet readable through the target."""
    writes: list[CanaryWriteSample] = field(default_factory=list)
    reads: list[CanaryReadSample] = field(default_factory=list)
    """Settled since the last record."""


class CanaryLoop:
    """Every canary of a drill, on a thread of its own."""

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
        self._halted = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._reads: dict[Role, asyncio.Semaphore] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._journal = ThreadPoolExecutor(1, thread_name_prefix="drill-canary-journal")
        self._sunk: list[Future[None]] = []
        self.error: BaseException | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Run every canary on its own thread until ``stopping`` is set, then record every
        unread write; a journal failure is raised here, once the thread is done."""
        thread = threading.Thread(target=self._serve, name="drill-canary", daemon=True)
        thread.start()
        try:
            await stopping.wait()
        finally:
            self.halt()
            await asyncio.get_running_loop().run_in_executor(None, thread.join, JOIN_TIMEOUT_S)
        if self.error is not None:
            raise self.error

    def halt(self) -> None:
        """Ask the canary thread to finish (from any thread)."""
        self._halted.set()
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # its loop has closed already
                loop.call_soon_threadsafe(stop.set)

    def _serve(self) -> None:
        try:
            asyncio.run(self._serve_async())
        except BaseException as e:  # handed to the observer's thread by run()
            self.error = e
        finally:
            self._journal.shutdown(wait=True)
        for future in self._sunk:
            if future.exception() is not None and self.error is None:
                self.error = future.exception()

    async def _serve_async(self) -> None:
        self._stop = stop = asyncio.Event()
        self._reads = {
            Role.SURVIVOR: asyncio.Semaphore(MAX_READS_IN_FLIGHT),
            Role.TARGET: asyncio.Semaphore(MAX_WRITE_BACK_READS_IN_FLIGHT),
        }
        self._loop = asyncio.get_running_loop()
        if self._halted.is_set():  # halted before this loop existed
            stop.set()
        try:
            for canary in self.canaries:
                state = self.states[canary.name]
                state.docs, state.write_ok, state.read_ok = sides(canary, self.http, self.wall)
            await asyncio.gather(*(self._run_one(c, stop) for c in self.canaries))
        finally:  # their connections belong to this loop: close them here
            for resource in (
                self.http,
                *(d for st in self.states.values() for d in st.docs.values()),
            ):
                closer = getattr(resource, "aclose", None)
                if closer is not None:
                    await closer()

    async def _run_one(self, canary: Canary, stop: asyncio.Event) -> None:
        state = self.states[canary.name]
        every = float(canary.every)
        try:
            await asyncio.gather(
                _beat(stop, every, lambda k: self._write_beat(canary, state)),
                _beat(stop, every / READS_PER_WRITE, lambda k: self._read_beat(canary, state, k)),
            )
        finally:
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            self._record(canary, state)
            self._sink(self.unread(canary))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _write_beat(self, canary: Canary, state: _State) -> None:
        if self.phases.restored_at is not None:
            return
        if state.writing >= MAX_WRITES_IN_FLIGHT:
            state.skipped += 1
            return
        self._spawn(self._write(canary, state))

    def _read_beat(self, canary: Canary, state: _State, k: int) -> None:
        """Poll every pending target write on the survivor; write-back (one poll in flight
        each) only every other beat, so that a burst of them after restore does not crowd the
        survivor's reads; then hand over what settled since the last beat."""
        for doc, pending in list(state.on_survivor.items()):
            if pending.in_flight < POLLS_IN_FLIGHT_PER_WRITE:
                pending.in_flight += 1
                self._spawn(self._poll(canary, state, doc, pending, Role.SURVIVOR))
        if self.phases.restored_at is not None and k % READS_PER_WRITE == 0:
            for doc, pending in list(state.write_back.items()):
                if pending.in_flight == 0:
                    pending.in_flight += 1
                    self._spawn(self._poll(canary, state, doc, pending, Role.TARGET))
        self._record(canary, state)

    def _record(self, canary: Canary, state: _State) -> None:
        if state.writes or state.reads:
            self._sink(CanaryTick(canary.name, tuple(state.writes), tuple(state.reads)))
            state.writes.clear()
            state.reads.clear()

    def _sink(self, tick: CanaryTick) -> None:
        self._sunk = [f for f in self._sunk if not f.done() or f.exception() is not None]
        self._sunk.append(self._journal.submit(self.sink, tick))

    async def _write(self, canary: Canary, state: _State) -> None:
        fault_at = self.phases.fault_at
        role = Role.TARGET if fault_at is None or state.target_open else Role.SURVIVOR
        state.n += 1
        state.writing += 1
        doc = f"{canary.name}-{self.tag}-{state.n}"
        try:
            answer = await state.docs[role].write(doc, self.wall())
        finally:
            state.writing -= 1
        sample = _write_sample(canary, doc, role, answer, state.write_ok)
        state.writes.append(sample)
        if sample.acked:
            pending = state.on_survivor if role is Role.TARGET else state.write_back
            pending[doc] = _Pending(sample)
        elif role is Role.TARGET and fault_at is not None and sample.sent_at >= fault_at:
            state.target_open = False

    async def _poll(
        self, canary: Canary, state: _State, doc: str, pending: _Pending, role: Role
    ) -> None:
        """One read of ``doc`` (counted in flight by the beat that spawned it)."""
        try:
            async with self._reads[role]:
                answer = await state.docs[role].read(doc)
        finally:
            pending.in_flight -= 1
        waiting = state.on_survivor if role is Role.SURVIVOR else state.write_back
        if waiting.get(doc) is not pending:  # found by an overlapping poll, or the run ended
            return
        pending.polls += 1
        if answer.status is None:  # no answer (or another location's): not a miss either
            return
        if answer.status not in state.read_ok:  # polls overlap: keep the latest-sent miss
            pending.last_miss_at = max(pending.last_miss_at or answer.sent_at, answer.sent_at)
            return
        del waiting[doc]
        state.reads.append(CanaryReadSample(
            canary.name, doc, role, True, pending.last_miss_at, answer.answered_at, pending.polls
        ))  # fmt: skip

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


async def _beat(stop: asyncio.Event, step: float, act: Callable[[int], None]) -> None:
    """Call ``act(k)`` at every ``step`` from now until ``stop``; a beat missed while the loop
    was held up is skipped, never made up in a burst."""
    loop = asyncio.get_running_loop()
    start, k = loop.time(), 0
    while not stop.is_set():
        delay = start + k * step - loop.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return
        act(k)
        k = max(k + 1, int((loop.time() - start) / step) + 1)


def _write_sample(
    canary: Canary, doc: str, role: Role, answer: CanaryAnswer, ok: tuple[int, ...]
) -> CanaryWriteSample:
    return CanaryWriteSample(
        canary=canary.name,
        id=doc,
        role=role,
        sent_at=answer.sent_at,
        answered_at=answer.answered_at,
        acked=answer.status in ok,
        status=answer.status,
        error=answer.error,
    )
