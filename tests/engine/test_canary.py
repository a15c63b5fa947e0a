"""The canary loop against a fake two-region store: who gets written, what is polled, when."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from drillkit.adapters.canary_ports import CanaryAnswer
from drillkit.core.data import Role, canary_metrics
from drillkit.engine.canary import CanaryLoop, CanaryTick, Phases
from drillkit.engine.canary_sides import fill
from drillkit.spec.data import Canary
from drillkit.spec.durations import Duration

CANARY = Canary.model_validate({
    "name": "orders", "every": "20ms",
    "write": {"url": "http://us.test/canary/{id}", "body": '{"at": "{ts}"}', "ok": [201]},
    "read": {"url": "http://eu.test/canary/{id}"},
})  # fmt: skip


@dataclass
class FakeStore:
    """us and eu; a write reaches the other region after ``lag`` unless its region went down
    first and ``lossy`` is set; a down region answers 503."""

    lag: float = 0.05
    lossy: bool = False
    write_delay: float = 0.001
    read_delay: float = 0.001
    up: dict[str, bool] = field(default_factory=lambda: {"us": True, "eu": True})
    docs: dict[str, dict[str, float]] = field(default_factory=lambda: {"us": {}, "eu": {}})
    calls: list[tuple[str, str]] = field(default_factory=list)
    down_since: dict[str, float] = field(default_factory=dict)

    def set_up(self, region: str, up: bool) -> None:
        self.up[region] = up
        if not up:
            self.down_since[region] = time.time()

    async def send(self, method: str, url: str, body: str | None = None) -> CanaryAnswer:
        region, doc = url.split("//")[1].split(".", maxsplit=1)[0], url.rsplit("/", 1)[1]
        self.calls.append((method, url))
        sent = time.time()
        await asyncio.sleep(self.write_delay if method == "PUT" else self.read_delay)
        other = "eu" if region == "us" else "us"
        if not self.up[region]:
            return CanaryAnswer(503, sent, time.time())
        if method == "PUT":
            self.docs[region][doc] = sent
            self.docs[other].setdefault(doc, -(sent + self.lag))  # negative: arrives then
            return CanaryAnswer(201, sent, time.time())
        arrives = self.docs[region].get(doc)
        if arrives is None:
            return CanaryAnswer(404, sent, time.time())
        if arrives < 0:
            source_down = self.down_since.get(other)
            lost = self.lossy and source_down is not None and source_down < -arrives
            held = not self.up[other] and not self.lossy
            if lost or held or time.time() < -arrives:
                return CanaryAnswer(404, sent, time.time())
        return CanaryAnswer(200, sent, time.time())


def drive(
    store: FakeStore,
    script: list[tuple[float, str]],
    journal_s: float = 0.0,
    canary: Canary = CANARY,
) -> tuple[list[CanaryTick], Phases]:
    """Run the loop while the script flips regions and phases at the given offsets (seconds);
    "block" holds the calling event loop for 0.4 s; each record takes ``journal_s`` to write."""
    ticks: list[CanaryTick] = []
    phases = Phases()

    def sink(tick: CanaryTick) -> None:
        time.sleep(journal_s)
        ticks.append(tick)

    async def main() -> None:
        stopping = asyncio.Event()
        loop = CanaryLoop([canary], store, sink, tag="r1", wall=time.time, phases=phases)
        task = asyncio.create_task(loop.run(stopping))
        began = time.monotonic()
        for at, action in script:
            await asyncio.sleep(max(0.0, began + at - time.monotonic()))
            match action:
                case "fault":
                    phases.fault_at = time.time()
                case "us down":
                    store.set_up("us", False)
                case "us up":
                    store.set_up("us", True)
                case "restored":
                    phases.restored_at = time.time()
                case "block":
                    time.sleep(0.4)
                case "stop":
                    stopping.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    return ticks, phases


def samples(ticks: list[CanaryTick]) -> tuple[list, list]:  # type: ignore[type-arg]
    return [w for t in ticks for w in t.writes], [r for t in ticks for r in t.reads]


def test_writes_go_through_the_target_then_the_survivor_and_stop_at_restore() -> None:
    """Target writes until its first refusal after the fault, survivor writes until restore,
    none after; ids are <canary>-<tag>-<n> and the body carries the write's time."""
    store = FakeStore()
    ticks, _ = drive(store, [(0.2, "fault"), (0.3, "us down"), (0.5, "us up"),
                             (0.5, "restored"), (0.8, "stop")])  # fmt: skip
    writes, _ = samples(ticks)
    roles = [w.role for w in writes]
    first_survivor = roles.index(Role.SURVIVOR)
    assert set(roles[:first_survivor]) == {Role.TARGET}
    assert set(roles[first_survivor:]) == {Role.SURVIVOR}
    assert not writes[first_survivor - 1].acked  # the refusal that closed the target
    assert writes[0].id == "orders-r1-1"
    assert all(w.sent_at < 0.55 + writes[0].sent_at for w in writes)
    survivor_urls = [u for m, u in store.calls if m == "PUT" and u.startswith("http://eu")]
    assert survivor_urls and len(survivor_urls) == roles.count(Role.SURVIVOR)


def test_a_lossless_run_reads_every_write_and_writes_back_after_restore() -> None:
    """With no loss every target write is found on the survivor and every survivor write is
    found through the target after restore: no lost writes, write-back counted and timed."""
    store = FakeStore(lag=0.05)
    ticks, phases = drive(store, [(0.2, "fault"), (0.3, "us down"), (0.5, "us up"),
                                  (0.5, "restored"), (1.0, "stop")])  # fmt: skip
    writes, reads = samples(ticks)
    metrics = canary_metrics("orders", writes, reads, fault_at=phases.fault_at,
                             restored_at=phases.restored_at)  # fmt: skip
    assert metrics.lost == ()
    assert metrics.write_back.accepted > 0
    assert metrics.write_back.readable == metrics.write_back.accepted
    assert metrics.write_back.time is not None and metrics.write_back.time.high < 0.5
    assert metrics.lag_before.p50 is not None
    assert metrics.lag_before.p50.low <= 0.05 <= metrics.lag_before.p50.high + 0.02


def test_a_lossy_run_names_the_writes_in_flight_when_the_target_fell() -> None:
    """Writes acknowledged within one lag of the target going down are never found; the loop
    keeps polling them to the end and records each as never readable."""
    store = FakeStore(lag=0.1, lossy=True)
    ticks, phases = drive(store, [(0.2, "fault"), (0.3, "us down"), (0.5, "us up"),
                                  (0.5, "restored"), (0.8, "stop")])  # fmt: skip
    writes, reads = samples(ticks)
    metrics = canary_metrics("orders", writes, reads, fault_at=phases.fault_at,
                             restored_at=phases.restored_at)  # fmt: skip
    down_at = store.down_since["us"]
    expected = [w.id for w in writes if w.acked and w.role is Role.TARGET
                and w.sent_at + 0.1 > down_at]  # fmt: skip
    assert list(metrics.lost) == expected and expected
    never = [r for r in reads if not r.readable]
    assert sorted(r.id for r in never) == sorted(expected)
    assert all(r.polls >= 10 for r in never)
    assert metrics.rpo.low <= down_at - writes[[w.id for w in writes].index(expected[0])].sent_at


def widest_read_gap(ticks: list[CanaryTick], at_least: int = 10) -> float:
    """The widest bracket of a found write's arrival: last miss sent to first find answered."""
    reads = [r for t in ticks for r in t.reads if r.readable and r.last_miss_at is not None]
    assert len(reads) >= at_least
    return max(r.found_at - r.last_miss_at for r in reads if r.found_at is not None)


def test_a_slow_write_delays_no_read() -> None:
    """Writes that take 0.4 s to answer do not hold up the survivor's polls: every arrival is
    bracketed within one poll step plus a read's round trip, with room for a loaded machine
    (a loop that waited for its write before polling again would leave 0.4 s gaps)."""
    store = FakeStore(lag=0.5, write_delay=0.4)
    ticks, _ = drive(store, [(1.5, "stop")])
    assert widest_read_gap(ticks) < 0.2


def test_a_slow_read_does_not_hold_back_the_next_poll() -> None:
    """Reads that take 0.5 s to answer overlap: with a 0.1 s poll step the next poll goes out
    on its beat, so an arrival is bracketed by one step plus one round trip (about 0.6 s), not
    by two round trips and the wait for a beat (1 s or more, as with one poll in flight)."""
    store = FakeStore(lag=1.0, read_delay=0.5)
    slow = CANARY.model_copy(update={"every": Duration.parse("200ms")})
    ticks, _ = drive(store, [(3.5, "stop")], canary=slow)
    assert widest_read_gap(ticks, at_least=5) < 0.85


@dataclass
class SilentStore(FakeStore):
    """A FakeStore whose survivor reads never answer while the write is missing there."""

    async def send(self, method: str, url: str, body: str | None = None) -> CanaryAnswer:
        answer = await super().send(method, url, body)
        if method == "GET" and answer.status == 404:
            return CanaryAnswer(None, answer.sent_at, answer.answered_at, "ConnectTimeout")
        return answer


def test_a_poll_with_no_answer_is_no_miss() -> None:
    """A poll that got no answer says nothing about the write: it never becomes the last
    miss, so the arrival bracket starts at the write itself."""
    ticks, _ = drive(SilentStore(lag=0.1), [(0.6, "stop")])
    found = [r for t in ticks for r in t.reads if r.readable]
    assert found and all(r.last_miss_at is None and r.polls > 1 for r in found)


def test_a_blocked_observer_loop_and_a_slow_journal_widen_no_bracket() -> None:
    """The canaries keep their own thread and loop, and the journal its own writer: holding the
    caller's event loop for 0.4 s, and 30 ms per journal record, leave every arrival bracketed
    within one poll step plus a read's round trip, with room for a loaded machine."""
    store = FakeStore(lag=0.03)
    ticks, _ = drive(store, [(0.2, "block"), (1.0, "stop")], journal_s=0.03)
    assert widest_read_gap(ticks) < 0.2


def test_fill_replaces_id_and_ts() -> None:
    """{id} becomes the id and {ts} the write's time in RFC 3339 UTC with milliseconds."""
    assert fill('{"id": "{id}", "ts": "{ts}"}', "o-1", 0.25) == (
        '{"id": "o-1", "ts": "1970-01-01T00:00:00.250Z"}'
    )


def test_a_tick_survives_the_journal_round_trip() -> None:
    """A tick written as a typed journal record reads back (through JSON) as the same samples."""
    from drillkit.core.data import CanaryReadSample, CanaryWriteSample
    from drillkit.engine.canary import canary_record, samples_of
    from drillkit.engine.records import CanaryTicked, from_json, to_json

    tick = CanaryTick(
        "orders",
        (CanaryWriteSample("orders", "o-1", Role.TARGET, 1.5, 1.625, True, 201),
         CanaryWriteSample("orders", "o-2", Role.SURVIVOR, 2.0, 2.5, False, None, "ConnectError")),
        (CanaryReadSample("orders", "o-0", Role.SURVIVOR, True, 1.25, 1.375, 3),
         CanaryReadSample("orders", "o-9", Role.TARGET, False, None, None, 0)),
    )  # fmt: skip
    record = from_json(json.loads(json.dumps(to_json(canary_record(tick)))))
    assert isinstance(record, CanaryTicked)
    assert samples_of(record) == (list(tick.writes), list(tick.reads))
