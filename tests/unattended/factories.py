"""Run results to export, built by hand: two vantage points, every duration measured."""

from __future__ import annotations

from drillkit.core.metrics import Measure, Metrics, VantageMetrics


def sample_metrics(rto: float | None) -> Metrics:
    """Metrics of a run whose RTO is ``rto`` (None: not measured)."""

    def vantage(name: str, seconds: float) -> VantageMetrics:
        return VantageMetrics(
            name=name,
            normal_region="us",
            expected_region="eu",
            flipped_at=1.0,
            dns_failover=Measure(seconds, seconds),
            dns_failover_plus_ttl=None,
            failed_back_at=None,
            failback=None,
        )

    return Metrics(
        time_scale=1.0,
        detected_at=5.0,
        time_to_detect=Measure(30.0, 30.0),
        rto_at=None,
        rto=Measure(rto, rto) if rto is not None else None,
        restore=None,
        failback=Measure(60.0, 60.0),
        vantage_points=(vantage("new-york", 41.5), vantage("paris", 38.0)),
        transitions=(),
    )
