"""Observation: DNS (with ECS) and HTTP for every vantage point each pollInterval, concurrently,
plus Traffic Manager monitor statuses, in one asyncio loop on its own thread.

Both cadences adapt (issue #17, :mod:`drillkit.core.sampling`): faster inside the predicted
windows and while a change is expected, within the ARM read budget and the per-server DNS query
budget, and they wake as soon as a change becomes pending (:mod:`.observe_pace`). Every name
server is asked separately when the resolver can (:mod:`.observe_dns`).

Each tick becomes one journal record (one fsync, on a writer thread), so the rate holds with a
thousand vantage points.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Literal

import structlog

from drillkit.adapters.bundle import Connections
from drillkit.adapters.ports import HttpProbe, Target, TmEndpoint, region_of
from drillkit.core.sampling import Cadence, Windows, fast_interval
from drillkit.engine.canary import CanaryLoop, CanaryTick, Phases, canary_record
from drillkit.engine.journal import Journal
from drillkit.engine.observe_dns import VantageSampler
from drillkit.engine.observe_pace import Pacer
from drillkit.engine.observe_state import ObservedState, VantageState
from drillkit.engine.observe_status import StatusPlan
from drillkit.engine.records import Observation, ObservationError, StatusObservation
from drillkit.engine.samples import EndpointObservation, RegionCheck
from drillkit.engine.sampling import ChangeTracker, PartCallback
from drillkit.spec.model import Drill

log = structlog.get_logger()
MAX_TICKS_IN_FLIGHT = 4
MAX_READS_IN_FLIGHT = 2
SURVIVOR_FAILURES_TO_ABORT = 3
RESERVE_S = 3.0
"""Seconds of fast DNS sampling a predicted window leaves in the budget for the change itself
(:attr:`drillkit.core.sampling.Cadence.reserve_s`): name servers flip only after detection,
which the status reads see within their fast cadence, and then each server takes its own
propagation delay; a window spent before detection must not starve those seconds."""


def http_target(drill: Drill, region: str, fqdn: str) -> Target | None:
    """The HTTP check through ``region``: ``observe.http.url`` exactly as written (scheme,
    port, path, query; Host and SNI from the URL) sent to the region's ingress, or the path on
    the ingress with the profile's name as Host."""
    check = drill.observe.http
    if check is None:
        return None
    ingress = drill.regions[region].ingress
    if check.url:
        return Target(target=ingress, url=check.url)
    return Target(target=ingress, host_header=fqdn, path=check.path or "/")


class Observer:
    """Polls until stopped; ``listener`` (if any) is called with each tick's record."""

    def __init__(
        self,
        drill: Drill,
        conns: Connections,
        journal: Journal | None,
        listener: Callable[[Observation], None] | None = None,
        *,
        on_part: PartCallback | None = None,
        windows: Windows | None = None,
        profiles: int = 1,
    ) -> None:
        """``windows``: where a change is predicted (sampled fast, within budget: monitor
        status in the detection window, DNS in the flip window); ``on_part`` hears each RTO
        part as it completes; ``profiles``: the profiles of the tree from the design read (each
        status read costs one ARM GET per profile; a read that finds more re-plans)."""
        self.drill = drill
        self.conns = conns
        self.journal = journal
        self.listener = listener
        names = [v.name for v in drill.observe.vantage_points]
        self.state = ObservedState(vantage={name: VantageState() for name in names})
        self.ingresses = {name: r.targets for name, r in drill.regions.items()}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None
        self.phases = Phases()
        """The canaries read the fault and restore instants from here (set by the runner)."""
        self.run_id = ""
        self.canaries: CanaryLoop | None = None
        self.tracker = ChangeTracker(drill, on_part)
        self.sampler = VantageSampler(conns.resolver, conns.fqdn, self.ingresses, conns.clock.wall)
        self._subnets = [(v.name, v.client_subnet) for v in drill.observe.vantage_points]
        self._writer: concurrent.futures.ThreadPoolExecutor | None = None
        self.windows = windows or Windows()
        self.down_at: float | None = None
        """When the target's HTTP check first failed after the fault (the windows' time 0)."""
        self._pacers: list[Pacer] = []
        observe = drill.observe
        poll = float(observe.poll_interval) or 0.25
        fast = min(poll, fast_interval(observe))
        self.dns_cadence = Cadence(
            poll, fast, observe.query_budget, self.windows.flip, reserve_s=RESERVE_S
        )
        self.reads = StatusPlan(drill, self.windows.detection, profiles, self.ingresses)
        """The profiles a status read asks (each one ARM GET) and the cadence that pays them."""
        self._status_pacer: Pacer | None = None

    # ------------------------------------------------------------- thread control

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="drill-observe", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def phase(self, name: Literal["fault_at", "restored_at"], at: float) -> None:
        """The runner's instant of the fault or of restore; both cadences re-plan at once."""
        setattr(self.phases, name, at)
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for pacer in self._pacers:
            pacer.wake()

    def _stop_now(self) -> None:
        assert self._stopping is not None
        self._stopping.set()
        self._wake_all()

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop_now)
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def _run(self) -> None:
        try:
            asyncio.run(self.run_async())
        except BaseException as e:
            self.error = e
            log.error("drill.observe.failed", error=repr(e)[:300])
        finally:
            self._ready.set()

    async def run_async(self, duration_s: float | None = None) -> ObservedState:
        """Poll until ``stop()`` (or for ``duration_s``); usable directly by benchmarks."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        prepare = getattr(self.conns.resolver, "prepare", None)
        if prepare is not None:
            await asyncio.to_thread(prepare)
        http = self.conns.http_factory()
        # Records are encoded and fsynced on one writer thread, in order, so that a tick of
        # 1,000 vantage points never holds up the loop that starts the next one.
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="drill-journal")
        self._ready.set()
        canary_http = None
        if self.drill.observe.data and self.conns.canary_factory is not None:
            canary_http = self.conns.canary_factory()
        try:
            status_task = asyncio.create_task(self._status_loop())
            canary_task = None
            if canary_http is not None:
                self.canaries = canaries = CanaryLoop(
                    self.drill.observe.data,
                    canary_http,
                    self._canary_tick,
                    tag=self.run_id.rsplit("-", 1)[-1] or "run",
                    wall=self.conns.clock.wall,
                    phases=self.phases,
                )
                canary_task = asyncio.create_task(canaries.run(self._stopping))
            try:
                await self._poll_loop(http, duration_s)
            finally:
                status_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await status_task
                if canary_task is not None:
                    await canary_task
        finally:
            for resource in (http, self.conns.resolver, canary_http):
                closer = getattr(resource, "aclose", None)
                if closer is not None:
                    await closer()
            writer, self._writer = self._writer, None
            await asyncio.to_thread(writer.shutdown, wait=True)
        return self.state

    def _journal(self, record: Observation | StatusObservation | ObservationError) -> None:
        """Append ``record`` on the writer thread (in order), or at once without one."""
        if self.journal is None:
            return
        if self._writer is None:
            self.journal.append(record)
        else:
            self._writer.submit(self.journal.append, record)

    # ------------------------------------------------------------- polling

    async def _poll_loop(self, http: HttpProbe, duration_s: float | None) -> None:
        assert self._loop is not None and self._stopping is not None
        pacer = Pacer(self.dns_cadence, self._since_down, self._dns_pending, self._stopping)
        self._pacers.append(pacer)
        start = pacer.scheduled
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while True:
                if duration_s is not None and pacer.scheduled - start >= duration_s:
                    break
                now = await pacer.due()
                if now is None:
                    break
                lag, interval = pacer.next(now)
                if lag > interval or len(in_flight) >= MAX_TICKS_IN_FLIGHT:
                    self.state.missed += 1
                    if lag > interval:
                        pacer.scheduled = now + interval  # catch up
                    continue
                self.state.lags.append(lag)
                task = asyncio.create_task(self._tick(http))
                in_flight.add(task)
                task.add_done_callback(self._tick_done(in_flight))
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    def _since_down(self) -> float | None:
        """Measured seconds since the windows' time 0 (wall instants are monotonic-anchored):
        the target's first failing check after the fault, or the fault itself when the drill
        has no HTTP check or the windows count from the fault."""
        start = self.phases.fault_at
        if start is not None and self.windows.from_target_down and self.drill.observe.http:
            start = self.down_at
        return None if start is None else self.conns.clock.wall() - start

    def _dns_pending(self) -> bool:
        return self.tracker.dns_pending(self.phases.fault_at, self.phases.restored_at)

    def _status_pending(self) -> bool:
        return self.tracker.status_pending(self.phases.fault_at, self.phases.restored_at)

    def _count(self, counts: dict[int, int], n: int) -> None:
        assert self._loop is not None
        second = int(self._loop.time())
        counts[second] = counts.get(second, 0) + n

    def _tick_done(
        self, in_flight: set[asyncio.Task[None]]
    ) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            if not task.cancelled() and task.exception() is not None:
                self.state.errors += 1
                log.warning("drill.observe.tick_failed", error=repr(task.exception())[:300])

        return done

    async def _tick(self, http: HttpProbe) -> None:
        """One round: DNS for every vantage point and one HTTP check per region, concurrently.

        The HTTP check depends only on the region answered, so it runs once per region (the
        survivor's doubles as the abort signal) rather than once per vantage point.
        """
        regions = list(self.ingresses) if self.drill.observe.http is not None else []
        previous = {name: v.region for name, v in self.state.vantage.items()}
        (answers, asked), checks = await asyncio.gather(
            self.sampler.ask(self._subnets, previous),
            asyncio.gather(*(self._region_check(http, r) for r in regions)),
        )
        self._count(self.state.dns_queries, asked)
        self.state.ticks += 1
        record = Observation(
            vantage=tuple(answers), regions=dict(zip(regions, checks, strict=True))
        )
        self._journal(record)
        self._update(record)
        self._target_down(record)
        for sample in record.vantage:
            self.tracker.sample(sample, self.phases.fault_at, dict(record.regions))
        if self.listener is not None:
            self.listener(record)

    def _target(self, region: str) -> Target | None:
        return http_target(self.drill, region, self.conns.fqdn)

    async def _region_check(self, http: HttpProbe, region: str) -> RegionCheck:
        target = self._target(region)
        assert target is not None and self.drill.observe.http is not None
        result = await http.check(target)
        return RegionCheck(
            at=round(self.conns.clock.wall(), 6),
            ok=result.status in self.drill.observe.http.expect_status,
            status=result.status,
            error=result.error,
        )

    def _update(self, record: Observation) -> None:
        checks = record.regions
        for sample in record.vantage:
            state = self.state.vantage[sample.name]
            check = checks.get(sample.region) if sample.region else None
            http_ok = check.ok if check is not None else None
            same = (state.region, state.http_ok) == (sample.region, http_ok)
            state.streak = state.streak + 1 if same and state.samples else 1
            state.region, state.http_ok = sample.region, http_ok
            state.samples += 1
            if sample.ttl is not None:
                self.state.dns_ttl = sample.ttl
        for region in self.drill.survivors:
            if region in checks:
                failures = self.state.survivor_failures.get(region, 0)
                ok = checks[region].ok
                self.state.survivor_failures[region] = 0 if ok else failures + 1

    def _target_down(self, record: Observation) -> None:
        check = record.regions.get(self.drill.target)
        fault_at = self.phases.fault_at
        if self.down_at is not None or fault_at is None or check is None:
            return
        if not check.ok and check.at >= fault_at:
            self.down_at = check.at
            self._wake_all()

    def _canary_tick(self, tick: CanaryTick) -> None:
        if self.journal is not None and (tick.writes or tick.reads):
            self.journal.append(canary_record(tick))

    # ------------------------------------------------------------- statuses

    async def _status_loop(self) -> None:
        """Reads on the status cadence, up to ``MAX_READS_IN_FLIGHT`` at once, so that a slow
        ARM response does not stretch the interval between reads."""
        assert self._stopping is not None and self._loop is not None
        pacer = Pacer(self.reads.cadence, self._since_down, self._status_pending, self._stopping)
        self._pacers.append(pacer)
        self._status_pacer = pacer
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while (now := await pacer.due()) is not None:
                only = self.reads.planned(pacer.next(now)[1])  # paid when it was planned
                pacer.scheduled = max(pacer.scheduled, now)
                if len(in_flight) >= MAX_READS_IN_FLIGHT:
                    continue
                task = asyncio.create_task(self._status_read(only))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
        finally:
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _status_read(self, only: Sequence[str] = ()) -> None:
        """One read of the tree (one ARM GET per profile), or of the profiles ``only`` (one
        GET each, at once, each journaled with its own request's instants: a partial read
        brackets only the endpoints it read)."""
        self._count(self.state.arm_reads, self.reads.gets(only))
        tm = self.conns.traffic_manager
        if not only:
            await self._read_endpoints(tm.endpoints)
            return
        await asyncio.gather(*(self._read_endpoints(tm.profile_endpoints, p) for p in only))

    async def _read_endpoints(
        self, read: Callable[..., Sequence[TmEndpoint]], *profile: str
    ) -> None:
        """One request (``read(*profile)``), stamped at its middle (when ARM most likely read
        the statuses); a read of the whole tree (no ``profile``) may re-plan the cadence."""
        sent = self.conns.clock.wall()
        try:
            endpoints = await asyncio.to_thread(read, *profile)
        except Exception as e:
            self._journal(ObservationError(source="arm", error=str(e)[:300]))
            return
        if not profile:
            self._learn_profiles(endpoints)
        statuses = tuple(
            EndpointObservation(
                endpoint=e.key,
                region=region_of([e.target], self.ingresses),
                status=e.monitor_status,
                endpoint_status=e.endpoint_status,
            )
            for e in endpoints
        )
        received = self.conns.clock.wall()
        at = round((sent + received) / 2, 6)
        sent, received = round(sent, 6), round(received, 6)
        self._journal(StatusObservation(at=at, endpoints=statuses, sent=sent, received=received))
        for observed in statuses:
            self.state.statuses[observed.endpoint] = (observed.region, observed.status)
        detected = self.tracker.detection
        self.tracker.statuses((sent, received), statuses, self.phases.fault_at)
        if detected is None and self.tracker.detection is not None:
            self._wake_all()  # the name servers follow detection: ask them fast from now

    def _learn_profiles(self, endpoints: Sequence[TmEndpoint]) -> None:
        """A read of the whole tree may re-plan the status cadence (more profiles than the
        design read said, or the profiles that decide detection); its extra GETs are counted."""
        cadence = self.reads.cadence
        self._count(self.state.arm_reads, self.reads.learn(endpoints))
        if self._status_pacer is not None and self.reads.cadence is not cadence:
            self._status_pacer.cadence = self.reads.cadence
