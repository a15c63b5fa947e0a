"""Recovery-time metrics computed from a drill's timeline."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillkit.core.intervals import Bracket
from drillkit.core.metrics import (
    Measure,
    compute_metrics,
    dns_failover_at,
    dns_failover_bracket,
    failback_at,
    failback_bracket,
    metrics_summary,
    status_transitions,
)
from drillkit.core.timeline import (
    DnsSample,
    EndpointStatusSample,
    HttpSample,
    Timeline,
    VantageTimeline,
)
from tests.core.timeline_factory import T0, us_outage, with_vantage


def test_measure_divides_by_time_scale() -> None:
    """Real-world-equivalent seconds are measured seconds divided by the time scale."""
    measure = Measure.of(4.0, 0.1)
    assert measure.measured == 4.0
    assert measure.real == pytest.approx(40.0)


def test_time_to_detect_is_first_degraded_target_read() -> None:
    """Time to detect is bracketed by the last read before and the first Degraded read of a
    target-region endpoint after injection, reported as the midpoint plus or minus half."""
    m = compute_metrics(us_outage(detect=3.0))
    assert m.detection == Bracket(T0 + 2.5, T0 + 3.0)
    assert m.detected_at == T0 + 2.75
    assert m.time_to_detect == Measure.of(2.75, 0.1, 0.25)


def test_degraded_survivor_is_not_detection() -> None:
    """A Degraded survivor endpoint does not count as detecting the target's outage."""
    tl = us_outage(detect=None)
    tl = replace(
        tl,
        endpoint_statuses=(
            *tl.endpoint_statuses,
            EndpointStatusSample(T0 + 1, "myapp-eu/ExternalEndpoints/eu", "eu", "Degraded"),
        ),
    )
    assert compute_metrics(tl).time_to_detect is None


def test_degraded_before_injection_is_ignored() -> None:
    """A Degraded read before the fault was injected is not detection."""
    tl = us_outage(detect=5.0)
    early = EndpointStatusSample(T0 - 1, "myapp-na/ExternalEndpoints/us", "us", "Degraded")
    tl = replace(tl, endpoint_statuses=(early, *tl.endpoint_statuses))
    assert compute_metrics(tl).detected_at == T0 + 4.75


def test_dns_failover_per_vantage_point() -> None:
    """new-york fails over when it is first answered by eu; paris, already on eu, at once."""
    m = compute_metrics(us_outage(flip=4.0))
    by_name = {v.name: v for v in m.vantage_points}
    assert by_name["new-york"].flip == Bracket(T0 + 3.75, T0 + 4.0)
    assert by_name["new-york"].flipped_at == T0 + 3.875
    assert by_name["new-york"].dns_failover == Measure.of(3.875, 0.1, 0.125)
    assert by_name["paris"].dns_failover == Measure.of(0.0, 0.1)


def test_flip_plus_ttl() -> None:
    """Flip + TTL adds the answer TTL to the flip, in both measured and real seconds."""
    ny = compute_metrics(us_outage(flip=4.0)).vantage_points[0]
    assert ny.dns_failover_plus_ttl == Measure.of(6.875, 0.1, 0.125)


def test_flapping_answer_delays_failover_to_the_stable_flip() -> None:
    """A flip that flaps back to the target does not count; the last stable flip does."""
    tl = us_outage(flip=2.0)
    ny = tl.vantage_points[0]
    flap = tuple(replace(s, region="us") if s.at == T0 + 3.0 else s for s in ny.dns)
    tl = with_vantage(tl, 0, replace(ny, dns=flap))
    assert dns_failover_at(tl, tl.vantage_points[0]) == T0 + 3.125


def test_lost_answer_breaks_stability() -> None:
    """A sample with no answer inside the outage breaks the run of survivor answers."""
    tl = us_outage(flip=2.0)
    ny = tl.vantage_points[0]
    lost = tuple(replace(s, region=None) if s.at == T0 + 5.0 else s for s in ny.dns)
    tl = with_vantage(tl, 0, replace(ny, dns=lost))
    assert dns_failover_at(tl, tl.vantage_points[0]) == T0 + 5.125


def test_never_flipping_vantage_has_no_failover_and_no_rto() -> None:
    """A vantage point never answered by its survivor has no failover, so RTO never happened."""
    m = compute_metrics(us_outage(flip=None))
    assert m.vantage_points[0].dns_failover is None
    assert m.vantage_points[0].dns_failover_plus_ttl is None
    assert m.rto is None


def test_rto_waits_for_every_vantage_and_http() -> None:
    """RTO is when the last vantage point is answered by eu and its HTTP check passes."""
    m = compute_metrics(us_outage(flip=4.0))
    assert m.rto_bracket is not None
    assert (m.rto_bracket.lo, m.rto_bracket.hi) == pytest.approx((T0 + 3.76, T0 + 4.01))
    assert m.rto_at == pytest.approx(T0 + 3.885)
    assert m.rto is not None
    assert m.rto.real == pytest.approx(38.85)
    assert m.rto.real_pm == pytest.approx(1.25)


def test_failing_http_through_survivor_delays_rto() -> None:
    """HTTP failing through the survivor after the DNS flip pushes RTO to the first good check."""
    tl = us_outage(flip=4.0)
    paris = tl.vantage_points[1]
    http = tuple(
        replace(s, ok=False, status=502) if T0 + 5.0 <= s.at < T0 + 6.0 else s for s in paris.http
    )
    tl = with_vantage(tl, 1, replace(paris, http=http))
    assert compute_metrics(tl).rto_at == pytest.approx(T0 + 5.885)


def test_http_through_the_target_does_not_count_for_rto() -> None:
    """A passing HTTP check that went through the target region is not service by a survivor."""
    tl = us_outage(flip=4.0)
    paris = tl.vantage_points[1]
    http = tuple(replace(s, region="us") if s.at > T0 + 6.0 else s for s in paris.http)
    tl = with_vantage(tl, 1, replace(paris, http=http))
    assert compute_metrics(tl).rto is None


def test_rto_rests_on_dns_without_http_check() -> None:
    """Without an HTTP check RTO is the slowest stable DNS failover."""
    tl = replace(us_outage(flip=4.0), http_checked=False)
    assert compute_metrics(tl).rto_at == T0 + 3.875


def test_time_to_restore() -> None:
    """Time to restore runs from restore's start to its end."""
    assert compute_metrics(us_outage(restore_took=1.5)).restore == Measure.of(1.5, 0.1)


def test_failback_measured_from_restored() -> None:
    """Failback is the first stable normal answer after restore, measured from restore's end."""
    m = compute_metrics(us_outage(back=2.0))
    ny, paris = m.vantage_points
    assert ny.failback is not None
    assert (ny.failback.measured, ny.failback.pm) == pytest.approx((1.875, 0.125))
    assert paris.failback == Measure.of(0.0, 0.1)
    assert m.failback == ny.failback


def test_no_failback_without_restore() -> None:
    """A run whose restore never finished has no failback."""
    m = compute_metrics(us_outage(restored=False))
    assert m.restore is None
    assert m.failback is None
    assert all(v.failback is None for v in m.vantage_points)


def test_one_vantage_never_failing_back_means_no_failback() -> None:
    """The overall failback never happened if one vantage point never came back."""
    m = compute_metrics(us_outage(back=None))
    assert m.vantage_points[0].failback is None
    assert m.failback is None


def test_samples_after_restore_started_are_outside_the_outage() -> None:
    """A flip first seen after restore began is not a failover."""
    m = compute_metrics(us_outage(flip=9.0, restore_start=8.0))
    assert m.vantage_points[0].dns_failover is None


def test_nothing_measured_before_injection() -> None:
    """A run that stopped before injecting has no outage metrics."""
    m = compute_metrics(replace(us_outage(), fault_injected_at=None))
    assert (m.time_to_detect, m.rto) == (None, None)
    assert all(v.dns_failover is None for v in m.vantage_points)


def test_status_transitions_list_changes_only() -> None:
    """Transitions keep each endpoint's first read and every change, not repeated statuses."""
    reads = [
        EndpointStatusSample(1.0, "a", "us", "Online"),
        EndpointStatusSample(1.0, "b", "eu", "Online"),
        EndpointStatusSample(2.0, "a", "us", "Online"),
        EndpointStatusSample(3.0, "a", "us", "Degraded"),
        EndpointStatusSample(4.0, "a", "us", "Online"),
    ]
    got = [(t.at, t.endpoint, t.before, t.after) for t in status_transitions(reads)]
    assert got == [
        (1.0, "a", None, "Online"),
        (1.0, "b", None, "Online"),
        (3.0, "a", "Online", "Degraded"),
        (4.0, "a", "Degraded", "Online"),
    ]


def test_summary_has_the_cli_json_keys() -> None:
    """The summary carries the run --output json metric keys in measured seconds."""
    summary = metrics_summary(compute_metrics(us_outage()))
    assert summary == {
        "timeToDetectS": 2.75,
        "timeToDetectPmS": 0.25,
        "rtoPmS": 0.125,
        "rtoS": 3.885,
        "restoreS": 1.5,
        "dnsFailoverS": {"new-york": 3.875, "paris": 0.0},
        "failbackS": {"new-york": 1.875, "paris": 0.0},
    }


def test_samples_are_frozen() -> None:
    """Samples are frozen values."""
    sample = DnsSample(at=1.0, region="eu")
    with pytest.raises(AttributeError):
        sample.at = 2.0  # type: ignore[misc]
    assert HttpSample(at=1.0, ok=True).status is None


# Property tests: random sample streams around a fixed outage window.

REGIONS = st.sampled_from(["us", "eu", None])
OUTAGE = 20.0
RESTORE_TOOK = 2.0


@st.composite
def _times(draw: st.DrawFn) -> list[float]:
    raw = draw(st.lists(st.integers(-20, 130), max_size=40, unique=True))
    return [T0 + t / 4 for t in sorted(raw)]


@st.composite
def _vantages(draw: st.DrawFn, name: str) -> VantageTimeline:
    dns = tuple(DnsSample(at=t, region=draw(REGIONS)) for t in draw(_times()))
    http = tuple(
        HttpSample(at=t, ok=draw(st.booleans()), region=draw(REGIONS)) for t in draw(_times())
    )
    return VantageTimeline(name, "24.1.2.0/24", "us", "eu", dns=dns, http=http)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    restored = T0 + OUTAGE + RESTORE_TOOK
    return Timeline(
        time_scale=draw(st.sampled_from([1.0, 0.5, 0.1, 0.05])),
        started_at=T0 - 5,
        ended_at=T0 + 32.5,
        target_region="us",
        survivor_regions=("eu",),
        fault_injected_at=T0,
        restore_started_at=T0 + OUTAGE,
        restored_at=restored,
        vantage_points=(draw(_vantages("a")), draw(_vantages("b"))),
        dns_ttl=draw(st.sampled_from([None, 0.0, 3.0, 30.0])),
    )


def _in_outage(tl: Timeline, at: float) -> bool:
    assert tl.fault_injected_at is not None
    return tl.fault_injected_at <= at < tl.outage_end


@given(timelines())
def test_failover_is_the_start_of_the_final_survivor_run(tl: Timeline) -> None:
    """A failover is in the outage, on the survivor, stays there, and is the earliest such."""
    for vantage in tl.vantage_points:
        flip = dns_failover_at(tl, vantage)
        window = [s for s in vantage.dns if _in_outage(tl, s.at)]
        if flip is None:
            assert not window or window[-1].region != "eu"
            continue
        bracket = dns_failover_bracket(tl, vantage)
        assert bracket is not None and bracket.mid == flip
        assert T0 <= bracket.lo <= flip <= bracket.hi < tl.outage_end
        after = [s for s in window if s.at >= bracket.hi]
        before = [s for s in window if s.at < bracket.hi]
        assert after[0].at == bracket.hi
        assert all(s.region == "eu" for s in after)
        assert not before or (before[-1].region != "eu" and before[-1].at == bracket.lo)


@given(timelines())
def test_rto_never_precedes_any_failover(tl: Timeline) -> None:
    """RTO exists only when every vantage point failed over, and never before any of them did."""
    m = compute_metrics(tl)
    if m.rto_at is None:
        return
    for vantage in m.vantage_points:
        assert vantage.flipped_at is not None
        assert vantage.flipped_at <= m.rto_at
    assert T0 <= m.rto_at < tl.outage_end


@given(timelines())
def test_measures_are_non_negative_and_scaled(tl: Timeline) -> None:
    """Every measure is non-negative and its real seconds are measured / time scale."""
    m = compute_metrics(tl)
    measures = [m.time_to_detect, m.rto, m.restore, m.failback]
    for v in m.vantage_points:
        measures += [v.dns_failover, v.dns_failover_plus_ttl, v.failback]
        if v.dns_failover is not None and v.dns_failover_plus_ttl is not None:
            assert v.dns_failover_plus_ttl.measured >= v.dns_failover.measured
        if v.failed_back_at is not None:
            assert v.failed_back_at >= T0 + OUTAGE + RESTORE_TOOK
    for measure in measures:
        if measure is not None:
            assert measure.measured >= 0
            assert measure.real == pytest.approx(measure.measured / tl.time_scale)


@given(timelines(), st.integers(0, 79), REGIONS.filter(lambda r: r != "eu"))
def test_a_bad_answer_never_makes_failover_earlier(
    tl: Timeline, tick: int, bad: str | None
) -> None:
    """A non-survivor answer added in the outage delays or voids failover, never advances it."""
    vantage = tl.vantage_points[0]
    at = T0 + tick / 4 + 0.125  # between the grid's samples, so it adds rather than replaces
    samples = tuple(sorted((*vantage.dns, DnsSample(at=at, region=bad)), key=lambda s: s.at))
    worse = with_vantage(tl, 0, replace(vantage, dns=samples))
    before = dns_failover_at(tl, vantage)
    after = dns_failover_at(worse, worse.vantage_points[0])
    if after is not None:
        assert before is not None
        assert after >= before


def test_out_of_order_samples_give_the_same_metrics() -> None:
    """Samples journalled out of order by concurrent observers give the same metrics."""
    tl = us_outage()
    shuffled = tuple(replace(v, dns=v.dns[::-1], http=v.http[::-1]) for v in tl.vantage_points)
    reordered = replace(tl, vantage_points=shuffled, endpoint_statuses=tl.endpoint_statuses[::-1])
    assert compute_metrics(reordered) == compute_metrics(tl)


@given(timelines())
def test_failback_is_the_start_of_the_final_normal_run(tl: Timeline) -> None:
    """A failback lies after restore, is answered by the normal region, and stays to the end."""
    assert tl.restored_at is not None
    for vantage in tl.vantage_points:
        bracket = failback_bracket(tl, vantage)
        window = [s for s in vantage.dns if tl.restored_at <= s.at <= tl.ended_at]
        if bracket is None:
            assert failback_at(tl, vantage) is None
            assert not window or window[-1].region != vantage.normal_region
            continue
        assert failback_at(tl, vantage) == bracket.mid
        after = [s for s in window if s.at >= bracket.hi]
        before = [s for s in window if s.at < bracket.hi]
        assert after[0].at == bracket.hi
        assert all(s.region == vantage.normal_region for s in after)
        assert not before or before[-1].region != vantage.normal_region
