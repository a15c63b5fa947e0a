"""Recovery-time metrics of a drill, computed purely from its :class:`Timeline`.

Every sampled instant is a :class:`~drillkit.core.intervals.Bracket` (last old sample, first new
sample) and every duration derived from one is its midpoint with ``pm``, half its width.

"Stable" means: a vantage point counts as failed over (or failed back) at the first sample of
the final unbroken run of good samples in its window, i.e. the first good sample after which
every later sample in the window is good too. A sample with no answer (None) breaks the run, so
flapping or lost answers push the metric later, never earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from drillkit.core.intervals import Bracket, detection_bracket, latest, stable_bracket, window
from drillkit.core.timeline import (
    DnsSample,
    EndpointStatusSample,
    HttpSample,
    ServerTimeline,
    Timeline,
    VantageTimeline,
)

_S = TypeVar("_S", DnsSample, HttpSample)


@dataclass(frozen=True, slots=True)
class Measure:
    """A duration in measured seconds and in real-world-equivalent seconds, plus or minus."""

    measured: float
    real: float
    """``measured / time_scale``: the same drill with real Traffic Manager timings."""
    pm: float = 0.0
    """Half the width of the sampling interval around ``measured`` (measured seconds)."""
    real_pm: float = 0.0

    @classmethod
    def of(cls, measured: float, time_scale: float, pm: float = 0.0) -> Measure:
        """A measure from measured seconds (plus or minus ``pm``) and the run's time scale."""
        return cls(measured=measured, real=measured / time_scale, pm=pm, real_pm=pm / time_scale)

    @classmethod
    def between(cls, start: float, end: Bracket, time_scale: float) -> Measure:
        """From the exact instant ``start`` to the bracketed ``end``."""
        return cls.of(end.mid - start, time_scale, end.half)


@dataclass(frozen=True, slots=True)
class ServerFlip:
    """When one name server started answering a vantage point's survivor for good."""

    server: str
    flip: Bracket | None


@dataclass(frozen=True, slots=True)
class VantageMetrics:
    """Per vantage point: when DNS moved to the survivor and when it came back."""

    name: str
    normal_region: str | None
    expected_region: str
    flipped_at: float | None
    """Epoch instant of the stable DNS failover (its bracket's midpoint), None if never."""
    dns_failover: Measure | None
    """From fault injection to the stable flip."""
    dns_failover_plus_ttl: Measure | None
    """The flip plus the answer TTL: the latest a client behind a caching resolver moves."""
    failed_back_at: float | None
    """Epoch instant of the stable failback to the normal region, None if it never happened."""
    failback: Measure | None
    """From the end of restore to the stable failback."""
    flip: Bracket | None = None
    """The bracket of ``flipped_at``: the last other answer and the first survivor answer."""
    servers: tuple[ServerFlip, ...] = ()
    """The same flip per name server, when the servers were sampled separately."""
    served: Bracket | None = None
    """When DNS was on the survivor and HTTP through it passed, for good."""
    back: Bracket | None = None
    """The bracket of ``failed_back_at``: the last other answer and the first normal answer."""


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
    detection: Bracket | None = None
    """The bracket of ``detected_at``."""
    rto_bracket: Bracket | None = None
    """The bracket of ``rto_at``."""


def stable_since(samples: Sequence[_S], good: Callable[[_S], bool]) -> _S | None:
    """The first sample of the final run of good samples, or None if the last sample is bad."""
    first: _S | None = None
    for sample in reversed(samples):
        if not good(sample):
            break
        first = sample
    return first


def _vantage_window(timeline: Timeline, samples: Sequence[_S]) -> tuple[float, list[_S]]:
    assert timeline.fault_injected_at is not None
    start = timeline.fault_injected_at
    return start, window(samples, start, timeline.outage_end, closed=False)


def after_detection(timeline: Timeline, bracket: Bracket | None) -> Bracket | None:
    """A flip bracket narrowed by causality: Traffic Manager's name servers answer the survivor
    only once the control plane took the target out, so no flip precedes the start of the
    detection bracket (a flip first seen after an earlier detection keeps its own bracket)."""
    detection = detection_bracket(timeline)
    if bracket is None or detection is None or not bracket.lo < detection.lo <= bracket.hi:
        return bracket
    return Bracket(detection.lo, bracket.hi)


def dns_failover_bracket(timeline: Timeline, vantage: VantageTimeline) -> Bracket | None:
    """When DNS stably answered the expected survivor, within the outage window."""
    if timeline.fault_injected_at is None:
        return None
    start, inside = _vantage_window(timeline, vantage.dns)
    flip = stable_bracket(inside, start, lambda s: s.region == vantage.expected_region)
    return after_detection(timeline, flip)


def dns_failover_at(timeline: Timeline, vantage: VantageTimeline) -> float | None:
    """The midpoint of :func:`dns_failover_bracket`."""
    bracket = dns_failover_bracket(timeline, vantage)
    return None if bracket is None else bracket.mid


def server_flips(timeline: Timeline, vantage: VantageTimeline) -> tuple[ServerFlip, ...]:
    """:func:`dns_failover_bracket` per name server."""
    if timeline.fault_injected_at is None:
        return ()

    def flip(server: ServerTimeline) -> ServerFlip:
        start, inside = _vantage_window(timeline, server.dns)
        good = stable_bracket(inside, start, lambda s: s.region == vantage.expected_region)
        return ServerFlip(server.server, after_detection(timeline, good))

    return tuple(flip(s) for s in vantage.servers)


def failback_bracket(timeline: Timeline, vantage: VantageTimeline) -> Bracket | None:
    """When DNS stably answered the normal region again, within the failback window."""
    if timeline.restored_at is None or vantage.normal_region is None:
        return None
    inside = window(vantage.dns, timeline.restored_at, timeline.ended_at, closed=True)
    return stable_bracket(inside, timeline.restored_at, lambda s: s.region == vantage.normal_region)


def failback_at(timeline: Timeline, vantage: VantageTimeline) -> float | None:
    """The midpoint of :func:`failback_bracket`."""
    bracket = failback_bracket(timeline, vantage)
    return None if bracket is None else bracket.mid


def served_bracket(timeline: Timeline, vantage: VantageTimeline) -> Bracket | None:
    """When a vantage point became stably served: DNS on its survivor and (if checked) HTTP ok.

    It is the later of the start of the final run of survivor DNS answers and the start of the
    final run of passing HTTP checks through that survivor, both within the outage window.
    """
    dns = dns_failover_bracket(timeline, vantage)
    if dns is None or not timeline.http_checked:
        return dns
    start, inside = _vantage_window(timeline, vantage.http)
    good = stable_bracket(
        inside, start, lambda s: s.ok and s.region in (None, vantage.expected_region)
    )
    return None if good is None else latest([dns, good])


def served_since(timeline: Timeline, vantage: VantageTimeline) -> float | None:
    """The midpoint of :func:`served_bracket`."""
    bracket = served_bracket(timeline, vantage)
    return None if bracket is None else bracket.mid


def rto_bracket(timeline: Timeline) -> Bracket | None:
    """When the last vantage point became served by its healthy survivor."""
    if not timeline.vantage_points:
        return None
    brackets = [served_bracket(timeline, v) for v in timeline.vantage_points]
    if any(b is None for b in brackets):
        return None
    return latest([b for b in brackets if b is not None])


def rto_at(timeline: Timeline) -> float | None:
    """The midpoint of :func:`rto_bracket`."""
    bracket = rto_bracket(timeline)
    return None if bracket is None else bracket.mid


def detected_at(timeline: Timeline) -> float | None:
    """The midpoint of :func:`~drillkit.core.intervals.detection_bracket`."""
    bracket = detection_bracket(timeline)
    return None if bracket is None else bracket.mid


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


def _since(start: float | None, end: Bracket | None, scale: float) -> Measure | None:
    if start is None or end is None:
        return None
    return Measure.between(start, end, scale)


def _mid(bracket: Bracket | None) -> float | None:
    return None if bracket is None else bracket.mid


def _vantage_metrics(timeline: Timeline, vantage: VantageTimeline) -> VantageMetrics:
    scale = timeline.time_scale
    flip = dns_failover_bracket(timeline, vantage)
    failover = _since(timeline.fault_injected_at, flip, scale)
    plus_ttl = (
        None
        if failover is None or timeline.dns_ttl is None
        else Measure.of(failover.measured + timeline.dns_ttl, scale, failover.pm)
    )
    back = failback_bracket(timeline, vantage)
    return VantageMetrics(
        name=vantage.name,
        normal_region=vantage.normal_region,
        expected_region=vantage.expected_region,
        flipped_at=_mid(flip),
        dns_failover=failover,
        dns_failover_plus_ttl=plus_ttl,
        failed_back_at=_mid(back),
        failback=_since(timeline.restored_at, back, scale),
        flip=flip,
        servers=server_flips(timeline, vantage),
        served=served_bracket(timeline, vantage),
        back=back,
    )


def compute_metrics(timeline: Timeline) -> Metrics:
    """Every metric of a run, from its timeline alone."""
    scale = timeline.time_scale
    vantages = tuple(_vantage_metrics(timeline, v) for v in timeline.vantage_points)
    failbacks = [v.failback for v in vantages if v.failback is not None]
    complete = bool(vantages) and len(failbacks) == len(vantages)
    slowest = max(failbacks, key=lambda m: m.measured) if complete else None
    detected = detection_bracket(timeline)
    rto = rto_bracket(timeline)
    restored = None if timeline.restored_at is None else Bracket.at(timeline.restored_at)
    return Metrics(
        time_scale=scale,
        detected_at=_mid(detected),
        time_to_detect=_since(timeline.fault_injected_at, detected, scale),
        rto_at=_mid(rto),
        rto=_since(timeline.fault_injected_at, rto, scale),
        restore=_since(timeline.restore_started_at, restored, scale),
        failback=slowest,
        vantage_points=vantages,
        transitions=status_transitions(timeline.endpoint_statuses),
        detection=detected,
        rto_bracket=rto,
    )


def metrics_summary(metrics: Metrics) -> dict[str, object]:
    """The ``metrics`` object of ``drillkit run --output json``: measured seconds, None if never."""

    def secs(m: Measure | None) -> float | None:
        return None if m is None else round(m.measured, 3)

    def pm(m: Measure | None) -> float | None:
        return None if m is None else round(m.pm, 3)

    return {
        "timeToDetectS": secs(metrics.time_to_detect),
        "timeToDetectPmS": pm(metrics.time_to_detect),
        "rtoPmS": pm(metrics.rto),
        "rtoS": secs(metrics.rto),
        "restoreS": secs(metrics.restore),
        "dnsFailoverS": {v.name: secs(v.dns_failover) for v in metrics.vantage_points},
        "failbackS": {v.name: secs(v.failback) for v in metrics.vantage_points},
    }
