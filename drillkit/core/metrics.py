"""Recovery-time metrics of a drill, computed purely from its :class:`Timeline`.

"Stable" means: a vantage point counts as failed over (or failed back) at the first sample of
the final unbroken run of good samples in its window, i.e. the first good sample after which
every later sample in the window is good too. A sample with no answer (None) breaks the run, so
flapping or lost answers push the metric later, never earlier.
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
    VantageTimeline,
)

_S = TypeVar("_S", DnsSample, HttpSample)


@dataclass(frozen=True, slots=True)
class Measure:
    """A duration in measured seconds and in real-world-equivalent seconds."""

    measured: float
    real: float
    """``measured / time_scale``: the same drill with real Traffic Manager timings."""

    @classmethod
    def of(cls, measured: float, time_scale: float) -> Measure:
        """A measure from measured seconds and the run's time scale."""
        return cls(measured=measured, real=measured / time_scale)


@dataclass(frozen=True, slots=True)
class VantageMetrics:
    """Per vantage point: when DNS moved to the survivor and when it came back."""

    name: str
    normal_region: str | None
    expected_region: str
    flipped_at: float | None
    """Epoch instant of the stable DNS failover, None if it never happened."""
    dns_failover: Measure | None
    """From fault injection to the stable flip."""
    dns_failover_plus_ttl: Measure | None
    """The flip plus the answer TTL: the latest a client behind a caching resolver moves."""
    failed_back_at: float | None
    """Epoch instant of the stable failback to the normal region, None if it never happened."""
    failback: Measure | None
    """From the end of restore to the stable failback."""


@dataclass(frozen=True, slots=True)
class StatusTransition:
    """A Traffic Manager endpoint changed monitor status between two reads."""

    at: float
    endpoint: str
    region: str | None
    before: str | None
    """The previous status; None for the first read of the endpoint."""
    after: str


@dataclass(frozen=True, slots=True)
class Metrics:
    """Every metric of a run; None where the thing never happened."""

    time_scale: float
    detected_at: float | None
    time_to_detect: Measure | None
    """From fault injection to the first Degraded status of a target-region endpoint."""
    rto_at: float | None
    rto: Measure | None
    """From fault injection until every vantage point is served by its survivor (DNS and HTTP)."""
    restore: Measure | None
    """From the start to the end of restore."""
    failback: Measure | None
    """The slowest vantage point's failback (None if any vantage point never failed back)."""
    vantage_points: tuple[VantageMetrics, ...]
    transitions: tuple[StatusTransition, ...]


def stable_since(samples: Sequence[_S], good: Callable[[_S], bool]) -> _S | None:
    """The first sample of the final run of good samples, or None if the last sample is bad."""
    first: _S | None = None
    for sample in reversed(samples):
        if not good(sample):
            break
        first = sample
    return first


def _window(samples: Sequence[_S], start: float, end: float, *, closed: bool) -> list[_S]:
    # Sorted here because concurrent observers may journal samples slightly out of order.
    inside = [s for s in samples if start <= s.at and (s.at <= end if closed else s.at < end)]
    return sorted(inside, key=lambda s: s.at)


def dns_failover_at(timeline: Timeline, vantage: VantageTimeline) -> float | None:
    """When DNS stably answered the expected survivor, within the outage window."""
    if timeline.fault_injected_at is None:
        return None
    window = _window(vantage.dns, timeline.fault_injected_at, timeline.outage_end, closed=False)
    first = stable_since(window, lambda s: s.region == vantage.expected_region)
    return None if first is None else first.at


def failback_at(timeline: Timeline, vantage: VantageTimeline) -> float | None:
    """When DNS stably answered the normal region again, within the failback window."""
    if timeline.restored_at is None or vantage.normal_region is None:
        return None
    window = _window(vantage.dns, timeline.restored_at, timeline.ended_at, closed=True)
    first = stable_since(window, lambda s: s.region == vantage.normal_region)
    return None if first is None else first.at


def served_since(timeline: Timeline, vantage: VantageTimeline) -> float | None:
    """When a vantage point became stably served: DNS on its survivor and (if checked) HTTP ok.

    It is the later of the start of the final run of survivor DNS answers and the start of the
    final run of passing HTTP checks through that survivor, both within the outage window.
    """
    dns_at = dns_failover_at(timeline, vantage)
    if dns_at is None or not timeline.http_checked:
        return dns_at
    assert timeline.fault_injected_at is not None  # implied by dns_at
    window = _window(vantage.http, timeline.fault_injected_at, timeline.outage_end, closed=False)
    first = stable_since(window, lambda s: s.ok and s.region in (None, vantage.expected_region))
    return None if first is None else max(dns_at, first.at)


def rto_at(timeline: Timeline) -> float | None:
    """The first instant from which every vantage point is served by its healthy survivor."""
    if not timeline.vantage_points:
        return None
    instants = [served_since(timeline, v) for v in timeline.vantage_points]
    if any(t is None for t in instants):
        return None
    return max(t for t in instants if t is not None)


def detected_at(timeline: Timeline) -> float | None:
    """The first Degraded read of a target-region endpoint within the outage window."""
    if timeline.fault_injected_at is None:
        return None
    for sample in sorted(timeline.endpoint_statuses, key=lambda s: s.at):
        if (
            timeline.fault_injected_at <= sample.at < timeline.outage_end
            and sample.region == timeline.target_region
            and sample.status.casefold() == DEGRADED.casefold()
        ):
            return sample.at
    return None


def status_transitions(samples: Sequence[EndpointStatusSample]) -> tuple[StatusTransition, ...]:
    """Each endpoint's status changes, in time order (its first read counts as a change)."""
    last: dict[str, str] = {}
    out: list[StatusTransition] = []
    for sample in sorted(samples, key=lambda s: (s.at, s.endpoint)):
        before = last.get(sample.endpoint)
        if before != sample.status:
            out.append(
                StatusTransition(sample.at, sample.endpoint, sample.region, before, sample.status)
            )
            last[sample.endpoint] = sample.status
    return tuple(out)


def _since(start: float | None, end: float | None, scale: float) -> Measure | None:
    if start is None or end is None:
        return None
    return Measure.of(end - start, scale)


def _vantage_metrics(timeline: Timeline, vantage: VantageTimeline) -> VantageMetrics:
    scale = timeline.time_scale
    flipped = dns_failover_at(timeline, vantage)
    failover = _since(timeline.fault_injected_at, flipped, scale)
    plus_ttl = (
        None
        if failover is None or timeline.dns_ttl is None
        else Measure.of(failover.measured + timeline.dns_ttl, scale)
    )
    back = failback_at(timeline, vantage)
    return VantageMetrics(
        name=vantage.name,
        normal_region=vantage.normal_region,
        expected_region=vantage.expected_region,
        flipped_at=flipped,
        dns_failover=failover,
        dns_failover_plus_ttl=plus_ttl,
        failed_back_at=back,
        failback=_since(timeline.restored_at, back, scale),
    )


def compute_metrics(timeline: Timeline) -> Metrics:
    """Every metric of a run, from its timeline alone."""
    scale = timeline.time_scale
    vantages = tuple(_vantage_metrics(timeline, v) for v in timeline.vantage_points)
    failbacks = [v.failback for v in vantages if v.failback is not None]
    complete = bool(vantages) and len(failbacks) == len(vantages)
    slowest = max(failbacks, key=lambda m: m.measured) if complete else None
    detected = detected_at(timeline)
    rto_instant = rto_at(timeline)
    return Metrics(
        time_scale=scale,
        detected_at=detected,
        time_to_detect=_since(timeline.fault_injected_at, detected, scale),
        rto_at=rto_instant,
        rto=_since(timeline.fault_injected_at, rto_instant, scale),
        restore=_since(timeline.restore_started_at, timeline.restored_at, scale),
        failback=slowest,
        vantage_points=vantages,
        transitions=status_transitions(timeline.endpoint_statuses),
    )


def metrics_summary(metrics: Metrics) -> dict[str, object]:
    """The ``metrics`` object of ``drillkit run --output json``: measured seconds, None if never."""

    def secs(m: Measure | None) -> float | None:
        return None if m is None else round(m.measured, 3)

    return {
        "timeToDetectS": secs(metrics.time_to_detect),
        "rtoS": secs(metrics.rto),
        "restoreS": secs(metrics.restore),
        "dnsFailoverS": {v.name: secs(v.dns_failover) for v in metrics.vantage_points},
        "failbackS": {v.name: secs(v.failback) for v in metrics.vantage_points},
    }
