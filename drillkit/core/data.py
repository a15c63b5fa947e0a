"""Replication canaries, measured: lag, RPO, lost writes and write-back, purely from samples.

Every figure that comes from sampling is an :class:`Interval` (report it as midpoint ± half
width). A write happened on the server somewhere between sending it and its answer; it became
readable somewhere between the last poll that missed it (sent) and the first that found it
(answered). Lag is the difference of those two brackets.

RPO is how far back acknowledged writes were lost, counted from the moment the target stopped
acknowledging writes (between its last acknowledged write and its first refused one after the
fault; the fault itself when it never refused one): that moment minus the oldest lost write. A
lost write is one the target acknowledged and the survivor never served by the end of the
drill. Write-back: writes the survivor accepted during the outage, read through the target
after restore; its time is from the end of restore until the last of them was readable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Which side of the failover a canary request went to."""

    TARGET = "target"
    SURVIVOR = "survivor"


@dataclass(frozen=True, slots=True)
class Interval:
    """A quantity known to lie between ``low`` and ``high`` (seconds)."""

    low: float
    high: float

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    @property
    def half(self) -> float:
        return (self.high - self.low) / 2

    def minus(self, other: Interval) -> Interval:
        """``self - other`` for two independent unknowns."""
        return Interval(self.low - other.high, self.high - other.low)

    def at_least(self, floor: float) -> Interval:
        return Interval(max(self.low, floor), max(self.high, floor))

    def text(self, scale: float = 1.0) -> str:
        """``1.23 ± 0.05 s`` after dividing by ``scale`` (the run's time scale)."""
        return f"{self.mid / scale:.2f} ± {self.half / scale:.2f} s"


@dataclass(frozen=True, slots=True)
class CanaryWriteSample:
    """One write attempt of a canary."""

    canary: str
    id: str
    role: Role
    """TARGET: through the target (measured for RPO); SURVIVOR: during the outage (write-back)."""
    sent_at: float
    answered_at: float
    acked: bool
    """The answer's status was one of the write's ``ok`` codes."""
    status: int | None = None
    error: str | None = None

    @property
    def window(self) -> Interval:
        return Interval(self.sent_at, self.answered_at)


@dataclass(frozen=True, slots=True)
class CanaryReadSample:
    """The outcome of polling one acknowledged write on the other side."""

    canary: str
    id: str
    role: Role
    """Where it was read: SURVIVOR for target writes, TARGET for write-back."""
    readable: bool
    last_miss_at: float | None
    """When the latest-sent poll that was answered without it was sent (a poll with no answer
    is no miss); None if no answered poll missed it."""
    found_at: float | None
    """When the first poll that found it was answered; None if none did."""
    polls: int = 0


@dataclass(frozen=True, slots=True)
class LagPoint:
    """One write's replication lag, for the chart: when it was written and how long it took."""

    id: str
    written: Interval
    lag: Interval
    during_fault: bool


@dataclass(frozen=True, slots=True)
class LagSummary:
    """Nearest-rank percentiles of per-write lag midpoints, each with its write's bracket."""

    count: int
    p50: Interval | None
    p95: Interval | None
    max: Interval | None


@dataclass(frozen=True, slots=True)
class WriteBack:
    """Writes the survivor accepted during the outage, read through the target after restore."""

    accepted: int
    readable: int
    missing: tuple[str, ...]
    """Ids never readable through the target by the end of the drill."""
    time: Interval | None
    """From the end of restore until the last of them was readable; None if any never was."""


@dataclass(frozen=True, slots=True)
class CanaryMetrics:
    """Everything one canary measured."""

    name: str
    acked: int
    """Writes the target acknowledged."""
    refused: int
    """Target writes after the fault that were not acknowledged."""
    lag_before: LagSummary
    lag_during: LagSummary
    lost: tuple[str, ...]
    """Acknowledged by the target, never readable on the survivor, oldest first."""
    stopped: Interval | None
    """When the target stopped acknowledging writes; None if it never did after the fault."""
    rpo: Interval
    """Zero when nothing was lost."""
    write_back: WriteBack
    points: tuple[LagPoint, ...]


@dataclass(frozen=True, slots=True)
class DataMetrics:
    """Every canary of the run, and the figures the objectives judge."""

    canaries: tuple[CanaryMetrics, ...]

    @property
    def rpo(self) -> Interval | None:
        """The worst canary's RPO (by midpoint); None with no canary."""
        return max((c.rpo for c in self.canaries), key=lambda i: i.mid, default=None)

    @property
    def lost(self) -> tuple[str, ...]:
        return tuple(i for c in self.canaries for i in c.lost)


def percentile(values: Sequence[Interval], p: float) -> Interval | None:
    """Nearest-rank ``p`` (0 < p <= 1) of the intervals, ranked by midpoint."""
    if not values:
        return None
    ranked = sorted(values, key=lambda i: i.mid)
    return ranked[max(0, math.ceil(p * len(ranked)) - 1)]


def summarize(lags: Sequence[Interval]) -> LagSummary:
    return LagSummary(len(lags), percentile(lags, 0.5), percentile(lags, 0.95), percentile(lags, 1))


def lag_of(write: CanaryWriteSample, read: CanaryReadSample) -> Interval | None:
    """How long a readable write took to appear on the other side; None if it never did."""
    if not read.readable or read.found_at is None:
        return None
    low = write.sent_at if read.last_miss_at is None else read.last_miss_at
    return Interval(low, read.found_at).minus(write.window).at_least(0.0)


def stopped_acknowledging(writes: Sequence[CanaryWriteSample], fault_at: float) -> Interval | None:
    """Between the target's last acknowledged write and its first refused write after that,
    counting only refusals after the fault; None if it never refused after the fault."""
    ordered = sorted(writes, key=lambda w: w.sent_at)
    last_ack: CanaryWriteSample | None = None
    for write in ordered:
        if write.acked:
            last_ack = write
        elif write.sent_at >= fault_at:
            low = fault_at if last_ack is None else max(fault_at, last_ack.sent_at)
            return Interval(low, max(low, write.answered_at))
    return None


def _write_back(
    writes: Sequence[CanaryWriteSample],
    reads: dict[str, CanaryReadSample],
    restored_at: float | None,
) -> WriteBack:
    accepted = [w for w in writes if w.acked]
    found = [reads[w.id] for w in accepted if w.id in reads and reads[w.id].readable]
    missing = tuple(w.id for w in accepted if w.id not in reads or not reads[w.id].readable)
    time: Interval | None = None
    if accepted and not missing and restored_at is not None:
        last = max(found, key=lambda r: r.found_at or 0.0)
        low = max(restored_at, last.last_miss_at or restored_at)
        time = Interval(low - restored_at, max(low, last.found_at or low) - restored_at)
    return WriteBack(len(accepted), len(found), missing, time)


def canary_metrics(
    name: str,
    writes: Iterable[CanaryWriteSample],
    reads: Iterable[CanaryReadSample],
    *,
    fault_at: float | None,
    restored_at: float | None,
) -> CanaryMetrics:
    """One canary's figures from its write attempts and the outcome of each write's reads."""
    mine = [w for w in writes if w.canary == name]
    target = sorted((w for w in mine if w.role is Role.TARGET), key=lambda w: w.sent_at)
    survivor = [w for w in mine if w.role is Role.SURVIVOR]
    read_on = {
        role: {r.id: r for r in reads if r.canary == name and r.role is role} for role in Role
    }
    acked = [w for w in target if w.acked]
    points: list[LagPoint] = []
    lost: list[CanaryWriteSample] = []
    for write in acked:
        read = read_on[Role.SURVIVOR].get(write.id)
        lag = None if read is None else lag_of(write, read)
        if lag is None:
            lost.append(write)
            continue
        during = fault_at is not None and write.sent_at >= fault_at
        points.append(LagPoint(write.id, write.window, lag, during))
    stopped = None if fault_at is None else stopped_acknowledging(target, fault_at)
    rpo = Interval(0.0, 0.0)
    if lost:
        anchor = stopped or Interval(fault_at or lost[0].sent_at, fault_at or lost[0].sent_at)
        rpo = anchor.minus(lost[0].window).at_least(0.0)
    return CanaryMetrics(
        name=name,
        acked=len(acked),
        refused=sum(
            1 for w in target if not w.acked and fault_at is not None and w.sent_at >= fault_at
        ),
        lag_before=summarize([p.lag for p in points if not p.during_fault]),
        lag_during=summarize([p.lag for p in points if p.during_fault]),
        lost=tuple(w.id for w in lost),
        stopped=stopped,
        rpo=rpo,
        write_back=_write_back(survivor, read_on[Role.TARGET], restored_at),
        points=tuple(points),
    )


def data_metrics(
    names: Sequence[str],
    writes: Sequence[CanaryWriteSample],
    reads: Sequence[CanaryReadSample],
    *,
    fault_at: float | None,
    restored_at: float | None,
) -> DataMetrics:
    """Every canary's figures, in drill-file order."""
    return DataMetrics(
        tuple(
            canary_metrics(n, writes, reads, fault_at=fault_at, restored_at=restored_at)
            for n in names
        )
    )
