"""Sampled instants as brackets, detection of disabled endpoints, per-server flips, RTO parts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillkit.core.intervals import Bracket, detection_bracket, earliest, latest, stable_bracket
from drillkit.core.metrics import compute_metrics
from drillkit.core.rto_parts import parts_summary, percentile, rto_parts
from drillkit.core.timeline import DnsSample, EndpointStatusSample, ServerTimeline
from tests.core.timeline_factory import T0, us_outage, with_vantage


def test_bracket_reports_midpoint_plus_or_minus_half() -> None:
    """A bracket's estimate is its midpoint and its uncertainty half its width."""
    bracket = Bracket(10.0, 10.5)
    assert (bracket.mid, bracket.half) == (10.25, 0.25)
    with pytest.raises(ValueError):
        Bracket(2.0, 1.0)


def test_latest_and_earliest_of_several_changes() -> None:
    """The last of several changes lies between the largest lower and upper bounds."""
    a, b = Bracket(1.0, 2.0), Bracket(1.5, 1.7)
    assert latest([a, b]) == Bracket(1.5, 2.0)
    assert earliest([a, b]) == Bracket(1.0, 1.7)
    assert latest([]) is None


def test_disabled_endpoint_is_detected_when_arm_confirmed_the_write() -> None:
    """A disable-endpoint drill detects at the write ARM confirmed (the fault's injection), with
    no width, even though the endpoint never reads Degraded."""
    tl = us_outage(detect=None)
    disabled = EndpointStatusSample(T0 + 0.4, "myapp-na/ExternalEndpoints/us", "us", "Disabled")
    tl = replace(tl, endpoint_statuses=(*tl.endpoint_statuses, disabled))
    assert detection_bracket(tl) == Bracket(T0, T0)
    metrics = compute_metrics(tl)
    assert metrics.time_to_detect is not None
    assert (metrics.time_to_detect.measured, metrics.time_to_detect.pm) == (0.0, 0.0)


def test_disabled_endpoint_status_field_counts_too() -> None:
    """endpointStatus Disabled counts as detection even if the monitor status says otherwise."""
    tl = us_outage(detect=None)
    read = EndpointStatusSample(
        T0 + 0.5, "myapp-na/ExternalEndpoints/us", "us", "Online", "Disabled"
    )
    tl = replace(tl, endpoint_statuses=(*tl.endpoint_statuses, read))
    assert detection_bracket(tl) == Bracket(T0, T0)


def test_detection_never_after_rto_when_it_happened_before() -> None:
    """Detection whose truth precedes the flip is not reported after the RTO: with reads at the
    DNS cadence the midpoint estimate lands before the RTO estimate (the issue's +9.7 s vs +8.4 s
    came from reporting the first Degraded read of a 5 s status poll)."""
    metrics = compute_metrics(us_outage(detect=3.6, flip=4.0))
    assert metrics.detected_at is not None and metrics.rto_at is not None
    assert metrics.detected_at < metrics.rto_at


def _servers(tl_flip: dict[str, float]) -> tuple[ServerTimeline, ...]:
    out = []
    for server, flip in tl_flip.items():
        samples = tuple(
            DnsSample(T0 - 1 + k * 0.1, "eu" if T0 - 1 + k * 0.1 >= T0 + flip else "us")
            for k in range(80)
        )
        out.append(ServerTimeline(server, samples))
    return tuple(out)


def test_per_server_flips_and_all_servers_range() -> None:
    """Each name server's flip is bracketed on its own; the parts give the first and the last."""
    tl = us_outage(detect=3.0, flip=4.0)
    ny = replace(tl.vantage_points[0], servers=_servers({"tm1": 3.5, "tm2": 4.55}))
    tl = with_vantage(tl, 0, ny)
    metrics = compute_metrics(tl)
    flips = {s.server: s.flip for s in metrics.vantage_points[0].servers}
    assert flips["tm1"] is not None and flips["tm2"] is not None
    assert flips["tm1"].lo < T0 + 3.5 <= flips["tm1"].hi
    assert flips["tm2"].lo < T0 + 4.55 <= flips["tm2"].hi
    (parts,) = rto_parts(tl, metrics)
    first, every = parts.parts["firstServerFlip"], parts.parts["allServersFlip"]
    assert first is not None and every is not None
    assert first.measured == pytest.approx(3.45 - 2.75, abs=1e-3)  # tm1 in [3.4, 3.5]
    assert every.measured == pytest.approx(4.55 - 2.75, abs=1e-3)  # tm2 in [4.5, 4.6]
    assert every.pm == pytest.approx(0.25 + 0.05, abs=1e-3)


def test_rto_parts_cover_detection_ttl_and_http() -> None:
    """The parts of the moving vantage point: detection, flip, TTL and first good HTTP."""
    tl = us_outage(detect=3.0, flip=4.0)
    (parts,) = rto_parts(tl, compute_metrics(tl))
    assert parts.name == "new-york"  # paris never moved: no parts
    detect, ttl, http = (parts.parts[k] for k in ("detect", "clientTtl", "firstGoodHttp"))
    assert detect is not None and (detect.measured, detect.pm) == (2.75, 0.25)
    assert ttl is not None and ttl.measured == 3.0
    # flip in [3.75, 4.0]; first good check through eu at 4.01, the one before at 3.76
    assert http is not None and http.measured == pytest.approx(3.885 - 3.875, abs=1e-3)
    summary = parts_summary((parts,))
    assert summary["detect"] == {"p50S": 2.75, "p95S": 2.75, "n": 1}


def test_percentile_is_nearest_rank() -> None:
    """p50 and p95 are nearest-rank percentiles."""
    values = [float(v) for v in range(1, 21)]
    assert (percentile(values, 50), percentile(values, 95)) == (10.0, 19.0)
    assert percentile([], 50) is None


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30))
def test_stable_bracket_contains_the_true_change(offsets: list[float]) -> None:
    """Whatever the sampling instants, the flip's bracket contains the true change instant."""
    change = 37.3
    times = sorted({round(o, 6) for o in offsets})
    samples = tuple(DnsSample(T0 + t, "eu" if t >= change else "us") for t in times)
    tl = us_outage(flip=None, restore_start=200.0)
    ny = replace(tl.vantage_points[0], dns=samples)
    bracket = compute_metrics(with_vantage(tl, 0, ny)).vantage_points[0].flip
    if times[-1] < change:
        assert bracket is None
    else:
        assert bracket is not None and bracket.lo <= T0 + change <= bracket.hi


def test_no_flip_before_detection_started() -> None:
    """A flip seen by a slow DNS sample after a fast detection read is narrowed to start no
    earlier than the detection bracket: the name servers cannot serve a decision before it."""
    tl = us_outage(detect=4.0, flip=4.0)  # the flip sample at 4.0 follows a us sample at 3.75
    ny = tl.vantage_points[0]
    slow = tuple(s for s in ny.dns if s.at <= T0 + 3.0 or s.at >= T0 + 4.0)
    tl = with_vantage(tl, 0, replace(ny, dns=slow))
    flip = compute_metrics(tl).vantage_points[0].flip
    assert flip == Bracket(T0 + 3.5, T0 + 4.0)  # not [3.0, 4.0]: detection lies in [3.5, 4.0]


def test_an_answer_that_arrived_late_counts_from_when_it_was_asked() -> None:
    """An old answer whose question was sent at +1.0 s but that arrived at +1.8 s (a stalled
    loop on a loaded machine) may describe the server at any instant from +1.0 s: a change
    first seen at +1.9 s is bracketed from +1.0 s, not from the late arrival."""
    samples = [
        DnsSample(T0 + 0.5, "us"),
        DnsSample(T0 + 1.8, "us", sent=T0 + 1.0),
        DnsSample(T0 + 1.9, "eu", sent=T0 + 1.85),
    ]
    bracket = stable_bracket(samples, T0, lambda s: s.region == "eu")
    assert bracket == Bracket(T0 + 1.0, T0 + 1.9)


def test_a_slow_status_read_brackets_detection_from_send_to_receipt() -> None:
    """ARM read each status somewhere within its request: an Online read sent at +2.0 s and a
    Degraded read received at +3.3 s (stamped +3.0 s, mid-request) bracket detection from +2.0 s
    to +3.3 s, so a change at +3.2 s lies inside."""
    key = "myapp-na/ExternalEndpoints/us"
    online = EndpointStatusSample(T0 + 2.2, key, "us", "Online", sent=T0 + 2.0, received=T0 + 2.4)
    degraded = EndpointStatusSample(
        T0 + 3.0, key, "us", "Degraded", sent=T0 + 2.7, received=T0 + 3.3
    )
    tl = replace(us_outage(detect=None), endpoint_statuses=(online, degraded))
    assert detection_bracket(tl) == Bracket(T0 + 2.0, T0 + 3.3)
