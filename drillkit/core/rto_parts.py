"""The RTO in its parts, per vantage point that had to move, and p50/p95 across them.

1. fault to detection (Traffic Manager took the target endpoint out: Degraded, or Disabled);
2. detection to the authoritative flip, of the first name server and of all of them;
3. flip to client-perceived: the answer's TTL, the bound for a client behind a caching resolver;
4. flip to the first good HTTP response through the survivor.

Each part is the difference of two bracketed instants, so its uncertainty is the sum of theirs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from drillkit.core.intervals import Bracket, earliest, latest, window
from drillkit.core.metrics import Measure, Metrics, VantageMetrics
from drillkit.core.timeline import Timeline, VantageTimeline

PARTS = ("detect", "firstServerFlip", "allServersFlip", "clientTtl", "firstGoodHttp")
"""The parts' names, in the order they happen (JSON keys and the Mermaid bar's segments)."""

PART_TITLES = {
    "detect": "fault to detection",
    "firstServerFlip": "detection to first name server flip",
    "allServersFlip": "detection to all name servers flipped",
    "clientTtl": "flip to client-perceived (TTL)",
    "firstGoodHttp": "flip to first good HTTP via the survivor",
}


@dataclass(frozen=True, slots=True)
class VantageParts:
    """One vantage point's parts (None where the part never completed)."""

    name: str
    parts: dict[str, Measure | None]


def _between(start: Bracket | None, end: Bracket | None, scale: float) -> Measure | None:
    if start is None or end is None:
        return None
    return Measure.of(end.mid - start.mid, scale, start.half + end.half)


def first_good_http(timeline: Timeline, vantage: VantageTimeline, flip: Bracket) -> Bracket | None:
    """The first passing HTTP check through the survivor at or after the flip's first sample,
    bracketed by the check before it (or the flip's start)."""
    assert timeline.fault_injected_at is not None
    checks = window(vantage.http, timeline.fault_injected_at, timeline.outage_end, closed=False)
    previous = flip.lo
    for check in checks:
        if check.at >= flip.hi and check.ok and check.region in (None, vantage.expected_region):
            return Bracket(min(max(previous, flip.lo), check.at), check.at)
        previous = check.at
    return None


def vantage_parts(
    timeline: Timeline, metrics: Metrics, observed: VantageTimeline, measured: VantageMetrics
) -> VantageParts:
    """The parts of one vantage point."""
    scale = timeline.time_scale
    injected = timeline.fault_injected_at
    start = None if injected is None else Bracket.at(injected)
    flips = [s.flip for s in measured.servers if s.flip is not None]
    every = len(flips) == len(measured.servers) and bool(flips)
    first = earliest(flips) if flips else measured.flip
    last = latest(flips) if every else (measured.flip if not measured.servers else None)
    flip = measured.flip
    ttl = timeline.dns_ttl
    good = None if flip is None or injected is None else first_good_http(timeline, observed, flip)
    return VantageParts(
        name=measured.name,
        parts={
            "detect": _between(start, metrics.detection, scale),
            "firstServerFlip": _between(metrics.detection, first, scale),
            "allServersFlip": _between(metrics.detection, last, scale),
            "clientTtl": None if flip is None or ttl is None else Measure.of(ttl, scale),
            "firstGoodHttp": _between(flip, good, scale),
        },
    )


def rto_parts(timeline: Timeline, metrics: Metrics) -> tuple[VantageParts, ...]:
    """The parts of every vantage point whose answer had to move (normal region != survivor)."""
    observed = {v.name: v for v in timeline.vantage_points}
    return tuple(
        vantage_parts(timeline, metrics, observed[m.name], m)
        for m in metrics.vantage_points
        if m.normal_region != m.expected_region and m.name in observed
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` percentile (0 < q <= 100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def parts_summary(parts: Sequence[VantageParts]) -> dict[str, dict[str, float | int | None]]:
    """Per part: p50 and p95 across vantage points, in measured seconds."""
    out: dict[str, dict[str, float | int | None]] = {}
    for name in PARTS:
        values = [m.measured for p in parts if (m := p.parts[name]) is not None]
        out[name] = {
            "p50S": _round(percentile(values, 50)),
            "p95S": _round(percentile(values, 95)),
            "n": len(values),
        }
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
