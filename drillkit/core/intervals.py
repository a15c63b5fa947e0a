"""When a sampled thing changed, as an interval: the last sample that still showed the old state
and the first that showed the new one.

Sampling cannot say when between two samples a change happened, so every sampled instant is a
:class:`Bracket`, reported as its midpoint plus or minus half its width. The midpoint is the
estimate with the smallest worst-case error (half the width); the first new sample alone is late
by up to a whole sampling interval, which is how a run could report detection after its RTO.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from drillkit.core.timeline import (
    DEGRADED,
    DnsSample,
    EndpointStatusSample,
    HttpSample,
    Timeline,
)

DISABLED = "Disabled"
"""endpointStatus (and endpointMonitorStatus) of an endpoint an administrator disabled."""

_S = TypeVar("_S", DnsSample, HttpSample)


@dataclass(frozen=True, slots=True)
class Bracket:
    """An instant known to lie in ``[lo, hi]`` (epoch seconds)."""

    lo: float
    """The last sample that still showed the old state (or the window's start)."""
    hi: float
    """The first sample that showed the new state."""

    def __post_init__(self) -> None:
        if self.hi < self.lo:
            raise ValueError(f"bracket ends before it starts: [{self.lo}, {self.hi}]")

    @property
    def mid(self) -> float:
        """The estimate: the middle of the bracket."""
        return (self.lo + self.hi) / 2

    @property
    def half(self) -> float:
        """The uncertainty: half the bracket's width (the worst-case error of ``mid``)."""
        return (self.hi - self.lo) / 2

    @classmethod
    def at(cls, instant: float) -> Bracket:
        """An instant known exactly (e.g. confirmed by the response to our own write)."""
        return cls(instant, instant)


def latest(brackets: Sequence[Bracket]) -> Bracket | None:
    """When the last of several changes happened: the bracket of the maximum of the instants."""
    if not brackets:
        return None
    return Bracket(max(b.lo for b in brackets), max(b.hi for b in brackets))


def earliest(brackets: Sequence[Bracket]) -> Bracket | None:
    """When the first of several changes happened: the bracket of the minimum of the instants."""
    if not brackets:
        return None
    return Bracket(min(b.lo for b in brackets), min(b.hi for b in brackets))


def window(samples: Sequence[_S], start: float, end: float, *, closed: bool) -> list[_S]:
    """The samples in ``[start, end)`` (``[start, end]`` if closed), sorted by time."""
    inside = [s for s in samples if start <= s.at and (s.at <= end if closed else s.at < end)]
    return sorted(inside, key=lambda s: s.at)


def stable_bracket(
    samples: Sequence[_S], start: float, good: Callable[[_S], bool]
) -> Bracket | None:
    """The bracket of the start of the final run of good samples (sorted ``samples`` of one
    window starting at ``start``): from the bad sample before it (or ``start``) to its first
    sample. None when the last sample is bad (or there is none). The bad sample counts from
    when its question was sent, where known: its answer may have been produced any time
    between sending and arrival, and the change came after it."""
    first = None
    for index in range(len(samples) - 1, -1, -1):
        if not good(samples[index]):
            break
        first = index
    if first is None:
        return None
    lo = _asked(samples[first - 1]) if first > 0 else start
    return Bracket(min(lo, samples[first].at), samples[first].at)


def _asked(sample: DnsSample | HttpSample) -> float:
    """The earliest instant a sample's answer may describe: when its question was sent, where
    known (a DNS answer), else when it arrived. The change it precedes came after that."""
    sent = sample.sent if isinstance(sample, DnsSample) else None
    return sample.at if sent is None else min(sent, sample.at)


def _is(status: str, wanted: str) -> bool:
    return status.casefold() == wanted.casefold()


def detection_bracket(timeline: Timeline) -> Bracket | None:
    """When Traffic Manager took a target-region endpoint out of service, within the outage.

    A Degraded read is bracketed by the previous read of the same endpoint (or the injection):
    from when that read was sent to when the Degraded one was received, where known (ARM read
    each status somewhere within its request; under load a request can take a while).
    A Disabled endpoint was disabled by the drill's own write, which ARM confirmed in its
    response before the fault was marked injected: detection is that instant, with no width.
    """
    injected = timeline.fault_injected_at
    if injected is None:
        return None
    reads = sorted(
        (s for s in timeline.endpoint_statuses if s.region == timeline.target_region),
        key=lambda s: s.at,
    )
    previous: dict[str, float] = {}
    for sample in reads:
        if injected <= sample.at < timeline.outage_end:
            if _disabled(sample):
                return Bracket.at(injected)
            if _is(sample.status, DEGRADED):
                hi = max(sample.at, sample.received or sample.at)
                lo = max(injected, previous.get(sample.endpoint, injected))
                return Bracket(min(lo, hi), hi)
        previous[sample.endpoint] = min(sample.at, sample.sent or sample.at)
    return None


def _disabled(sample: EndpointStatusSample) -> bool:
    return _is(sample.status, DISABLED) or _is(sample.endpoint_status, DISABLED)
