"""Recovery-time metrics computed from a drill's timeline."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drillkit.core.metrics import (
    Measure,
    compute_metrics,
    dns_failover_at,
    metrics_summary,
    status_transitions,
)
from drillkit.core.timeline import DnsSample, EndpointStatusSample, HttpSample
from tests.core.timeline_factory import T0, us_outage, with_vantage


def test_measure_divides_by_time_scale() -> None:
    """Real-world-equivalent seconds are measured seconds divided by the time scale."""
    assert Measure.of(4.0, 0.1) == Measure(measured=4.0, real=pytest.approx(40.0))


def test_time_to_detect_is_first_degraded_target_read() -> None:
    """Time to detect is the first Degraded read of a target-region endpoint after injection."""
    m = compute_metrics(us_outage(detect=3.0))
    assert m.detected_at == T0 + 3.0
    assert m.time_to_detect == Measure.of(3.0, 0.1)


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
    assert compute_metrics(tl).detected_at == T0 + 5.0


def test_dns_failover_per_vantage_point() -> None:
    """new-york fails over when it is first answered by eu; paris, already on eu, at once."""
    m = compute_metrics(us_outage(flip=4.0))
    by_name = {v.name: v for v in m.vantage_points}
    assert by_name["new-york"].flipped_at == T0 + 4.0
    assert by_name["new-york"].dns_failover == Measure.of(4.0, 0.1)
    assert by_name["paris"].dns_failover == Measure.of(0.0, 0.1)


def test_flip_plus_ttl() -> None:
    """Flip + TTL adds the answer TTL to the flip, in both measured and real seconds."""
    ny = compute_metrics(us_outage(flip=4.0)).vantage_points[0]
    assert ny.dns_failover_plus_ttl == Measure.of(7.0, 0.1)


def test_flapping_answer_delays_failover_to_the_stable_flip() -> None:
    """A flip that flaps back to the target does not count; the last stable flip does."""
    tl = us_outage(flip=2.0)
    ny = tl.vantage_points[0]
    flap = tuple(replace(s, region="us") if s.at == T0 + 3.0 else s for s in ny.dns)
    tl = with_vantage(tl, 0, replace(ny, dns=flap))
    assert dns_failover_at(tl, tl.vantage_points[0]) == T0 + 3.25


def test_lost_answer_breaks_stability() -> None:
    """A sample with no answer inside the outage breaks the run of survivor answers."""
    tl = us_outage(flip=2.0)
    ny = tl.vantage_points[0]
    lost = tuple(replace(s, region=None) if s.at == T0 + 5.0 else s for s in ny.dns)
    tl = with_vantage(tl, 0, replace(ny, dns=lost))
    assert dns_failover_at(tl, tl.vantage_points[0]) == T0 + 5.25


def test_never_flipping_vantage_has_no_failover_and_no_rto() -> None:
    """A vantage point never answered by its survivor has no failover, so RTO never happened."""
    m = compute_metrics(us_outage(flip=None))
    assert m.vantage_points[0].dns_failover is None
    assert m.vantage_points[0].dns_failover_plus_ttl is None
    assert m.rto is None


def test_rto_waits_for_every_vantage_and_http() -> None:
    """RTO is when the last vantage point is answered by eu and its HTTP check passes."""
    m = compute_metrics(us_outage(flip=4.0))
    assert m.rto_at == pytest.approx(T0 + 4.01)
    assert m.rto is not None
    assert m.rto.real == pytest.approx(40.1)


def test_failing_http_through_survivor_delays_rto() -> None:
    """HTTP failing through the survivor after the DNS flip pushes RTO to the first good check."""
    tl = us_outage(flip=4.0)
    paris = tl.vantage_points[1]
    http = tuple(
        replace(s, ok=False, status=502) if T0 + 5.0 <= s.at < T0 + 6.0 else s for s in paris.http
    )
    tl = with_vantage(tl, 1, replace(paris, http=http))
    assert compute_metrics(tl).rto_at == pytest.approx(T0 + 6.01)


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
    assert compute_metrics(tl).rto_at == T0 + 4.0


def test_time_to_restore() -> None:
    """Time to restore runs from restore's start to its end."""
    assert compute_metrics(us_outage(restore_took=1.5)).restore == Measure.of(1.5, 0.1)


def test_failback_measured_from_restored() -> None:
    """Failback is the first stable normal answer after restore, measured from restore's end."""
    m = compute_metrics(us_outage(back=2.0))
    ny, paris = m.vantage_points
    assert ny.failback == Measure.of(2.0, 0.1)
    assert paris.failback == Measure.of(0.0, 0.1)
    assert m.failback == Measure.of(2.0, 0.1)


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
        "timeToDetectS": 3.0,
        "rtoS": 4.01,
        "restoreS": 1.5,
        "dnsFailoverS": {"new-york": 4.0, "paris": 0.0},
        "failbackS": {"new-york": 2.0, "paris": 0.0},
    }


def test_samples_are_frozen() -> None:
    """Samples are frozen values."""
    sample = DnsSample(at=1.0, region="eu")
    with pytest.raises(AttributeError):
        sample.at = 2.0  # type: ignore[misc]
    assert HttpSample(at=1.0, ok=True).status is None
