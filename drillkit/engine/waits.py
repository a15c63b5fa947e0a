"""The runner's bounded waits on what the observer sees, checking abort conditions meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from drillkit.adapters.ports import Clock
from drillkit.core.sampling import status_interval
from drillkit.engine.lock import DrillLock
from drillkit.engine.observe import SURVIVOR_FAILURES_TO_ABORT, Observer
from drillkit.engine.signals import SignalState
from drillkit.errors import DrillAborted, PreflightRefused
from drillkit.spec.model import Drill

STABLE_SAMPLES = 2
BASELINE_TIMEOUT_S = 30.0
MIN_WAIT_S = 10.0
WRITE_BACK_WAIT_S = 30.0


@dataclass
class Waits:
    """Waits for baseline, outage (RTO) and failback; raises ``DrillAborted`` on abort."""

    drill: Drill
    observer: Observer
    lock: DrillLock
    clock: Clock
    signals: SignalState
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0
    hold: Callable[[], None] | None = None
    """Keeps the fault in force while the outage is observed (set once it is injected)."""
    guard_abort: Callable[[], str | None] | None = None
    """Why a guard rail wants the drill stopped now (an unexpected alert), or None."""
    milestone: Callable[[str], float] | None = None
    """Told once of ``detected`` and ``flipped`` during the outage; returns the seconds it
    paused (a step gate), which extend the deadline."""
    normal: dict[str, str | None] = field(default_factory=dict)
    """Each vantage point's region before the fault (set by ``baseline``)."""

    def __post_init__(self) -> None:
        self.started = self.clock.monotonic()

    @property
    def tick(self) -> float:
        return min(0.05, max(float(self.drill.observe.poll_interval) / 4, 0.005))

    def _scaled(self, objective: float | None, default_s: float) -> float:
        """Twice an objective in measured seconds (real seconds x timeScale), at least 10 s."""
        scale = self.observer.conns.time_scale
        seconds = float(objective) * scale * 2 if objective is not None else default_s
        return max(seconds, MIN_WAIT_S)

    def check_abort(self) -> None:
        """Raise ``DrillAborted`` when the drill must stop now (while a person is awaited too)."""
        self._check_abort()

    def _check_abort(self) -> None:
        if self.hold is not None:
            self.hold()
        if self.observer.error is not None:
            raise DrillAborted(f"observation failed: {self.observer.error!r}"[:300])
        journal = self.observer.journal
        failure = journal.failure if journal is not None else None
        if failure is not None:
            raise DrillAborted(f"the journal cannot be written: {failure}")
        if self.lock.lost.is_set():
            raise DrillAborted(self.lock.lost_reason or "another process took the drill lock")
        guard = self.guard_abort() if self.guard_abort is not None else None
        if guard:
            raise DrillAborted(guard)
        max_s = float(self.drill.abort.max_duration)
        if self.clock.monotonic() - self.started > max_s:
            raise DrillAborted(
                f"the drill ran longer than abort.maxDuration ({self.drill.abort.max_duration})"
            )
        if self.drill.abort.on_survivor_unhealthy:
            for region, failures in self.observer.state.survivor_failures.items():
                if failures >= SURVIVOR_FAILURES_TO_ABORT:
                    raise DrillAborted(
                        f"survivor {region} failed its HTTP check {failures} times in a row"
                    )

    def _fresh_counter(self) -> Callable[[str], bool]:
        """A test: has a vantage point held its answer for STABLE_SAMPLES samples since now?"""
        state = self.observer.state
        start = {name: v.samples for name, v in state.vantage.items()}

        def fresh(name: str) -> bool:
            v = state.vantage[name]
            return min(v.streak, v.samples - start[name]) >= STABLE_SAMPLES

        return fresh

    def baseline(self) -> dict[str, str | None]:
        """Each vantage point's normal region, once stable; refuse if it never settles."""
        poll = float(self.drill.observe.poll_interval)
        deadline = self.clock.monotonic() + max(BASELINE_TIMEOUT_S, 10 * poll)
        state = self.observer.state
        while True:
            self._check_abort()
            if all(v.streak >= STABLE_SAMPLES and v.region for v in state.vantage.values()):
                self.normal = {name: v.region for name, v in state.vantage.items()}
                return dict(self.normal)
            if self.clock.monotonic() > deadline:
                bad = [n for n, v in state.vantage.items() if not v.region]
                raise PreflightRefused(
                    "no stable baseline answer for vantage point(s) "
                    + ", ".join(bad or list(state.vantage))
                    + "; nothing was changed: check observe.nameservers and the profile's DNS name"
                )
            self.clock.sleep(self.tick)

    def outage(self) -> bool:
        """Until every vantage point is served by its survivor (and detection was seen, when
        statuses can be read); False when that did not happen in time (an objective miss)."""
        rto = self.drill.objectives.rto
        deadline = self.clock.monotonic() + self._scaled(rto, 600.0)
        status_grace = 2 * status_interval(self.drill.observe, self.observer.reads.profiles)
        served_at: float | None = None
        state = self.observer.state
        expected = {v.name: v.expect_during_outage for v in self.drill.observe.vantage_points}
        fresh = self._fresh_counter()
        seen: dict[str, float] = {}
        while self.clock.monotonic() < deadline:
            self._check_abort()
            deadline += self._milestones(seen, expected, status_grace)
            served = all(
                v.region == expected[name] and v.http_ok is not False and fresh(name)
                for name, v in state.vantage.items()
            )
            if served and served_at is None:
                served_at = self.clock.monotonic()
            if served and served_at is not None:
                detected = any(
                    region == self.drill.target and status == "Degraded"
                    for region, status in state.statuses.values()
                )
                if detected or self.clock.monotonic() - served_at > status_grace:
                    return True
            self.clock.sleep(self.tick)
        return False

    def _milestones(self, seen: dict[str, float], expected: dict[str, str], grace: float) -> float:
        """Tell ``milestone`` of the first detection and then of the first flip; the seconds
        it took.

        A flip is a vantage point whose outage region differs from its normal one (paris is on
        eu before and during a us outage) and that is now answered by the outage region. DNS
        may be seen to move before a status read sees Degraded: the flip is told once detection
        was told, or ``grace`` after it was seen when no detection comes (a disabled endpoint)."""
        if self.milestone is None:
            return 0.0
        state = self.observer.state
        paused = 0.0
        now = self.clock.monotonic()
        if "detected" not in seen and any(
            region == self.drill.target and status == "Degraded"
            for region, status in state.statuses.values()
        ):
            seen["detected"] = now
            paused += self.milestone("detected")
        if "flip seen" not in seen and any(
            v.region == expected[name] != self.normal.get(name) for name, v in state.vantage.items()
        ):
            seen["flip seen"] = now
        flip_at = seen.get("flip seen")
        if (
            "flipped" not in seen
            and flip_at is not None
            and ("detected" in seen or now - flip_at > grace)
        ):
            seen["flipped"] = now
            paused += self.milestone("flipped")
        self.started += paused  # a human pause does not count against abort.maxDuration
        return paused

    def written_back(self, limit_s: float = WRITE_BACK_WAIT_S) -> bool:
        """Until every canary write the survivor took is readable through the target (bounded:
        replication back to a restored region may lag, and a drill should measure it)."""
        canaries = self.observer.canaries
        deadline = self.clock.monotonic() + limit_s
        while canaries is not None and self.signals.received is None:
            if canaries.written_back():
                return True
            if self.clock.monotonic() >= deadline:
                return False
            self.clock.sleep(self.tick)
        return True

    def failback(self, normal: dict[str, str | None]) -> bool:
        """Until every vantage point is answered by its normal region again (bounded)."""
        deadline = self.clock.monotonic() + self._scaled(self.drill.objectives.failback, 300.0)
        max_end = self.started + float(self.drill.abort.max_duration)
        deadline = min(deadline, max(max_end, self.clock.monotonic() + MIN_WAIT_S))
        state = self.observer.state
        fresh = self._fresh_counter()
        while self.clock.monotonic() < deadline and self.signals.received is None:
            if all(
                v.region == normal.get(name) and fresh(name) for name, v in state.vantage.items()
            ):
                return True
            self.clock.sleep(self.tick)
        return False
