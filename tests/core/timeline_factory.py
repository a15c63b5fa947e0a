"""Realistic drill timelines (the us-outage shape) for metrics, verdict and evidence tests."""

from __future__ import annotations

from dataclasses import replace

from drillkit.core.timeline import (
    DnsSample,
    EndpointStatusSample,
    HttpSample,
    RestoreCheck,
    RestoreOutcome,
    Timeline,
    VantageTimeline,
)

T0 = 1_700_000_000.0
"""Fault injection instant of every built timeline."""
POLL = 0.25


def _answer(region: str | None) -> str:
    if region is None:
        return "timeout"
    return f"myapp.trafficmanager.net. 3 IN CNAME {region}.ingress.sandbox.test."


def vantage(
    name: str,
    normal: str,
    expected: str,
    *,
    flip: float | None,
    back: float | None,
    start: float,
    end: float,
    restored_at: float | None,
) -> VantageTimeline:
    """A vantage point polled every POLL seconds: normal, then expected after ``flip`` (seconds
    from T0) until restore, then normal again from ``back`` (seconds after ``restored_at``)."""
    dns: list[DnsSample] = []
    http: list[HttpSample] = []
    at = start
    while at <= end + 1e-9:
        region = normal
        if flip is not None and at >= T0 + flip:
            region = expected
        if restored_at is not None and at >= restored_at:
            region = expected
            if back is not None and at >= restored_at + back:
                region = normal
        dns.append(DnsSample(at=at, region=region, answer=_answer(region)))
        down = region == "us" and at >= T0 and (restored_at is None or at < restored_at)
        http.append(
            HttpSample(at=at + 0.01, ok=not down, status=503 if down else 200, region=region)
        )
        at = round(at + POLL, 6)
    return VantageTimeline(
        name=name,
        client_subnet="24.1.2.0/24" if name == "new-york" else "128.7.8.0/24",
        normal_region=normal,
        expected_region=expected,
        dns=tuple(dns),
        http=tuple(http),
    )


def us_outage(
    *,
    flip: float | None = 4.0,
    detect: float | None = 3.0,
    restore_start: float = 8.0,
    restore_took: float = 1.5,
    back: float | None = 2.0,
    time_scale: float = 0.1,
    abort_reason: str | None = None,
    checks: tuple[RestoreCheck, ...] | None = None,
    restored: bool = True,
) -> Timeline:
    """The sandbox us-outage drill: new-york moves us→eu at ``flip``; paris stays on eu."""
    start, restore_at = T0 - 2.0, T0 + restore_start
    restored_at = restore_at + restore_took if restored else None
    end = (restored_at or restore_at) + 4.0
    statuses: list[EndpointStatusSample] = []
    at = start
    while at <= end:
        us = "Online"
        if detect is not None and T0 + detect <= at < (restored_at or end + 1):
            us = "Degraded"
        statuses.append(EndpointStatusSample(at, "myapp-na/ExternalEndpoints/us", "us", us))
        statuses.append(EndpointStatusSample(at, "myapp-na/ExternalEndpoints/eu", "eu", "Online"))
        at += 0.5
    if checks is None:
        checks = (
            RestoreCheck(
                "us/node/us-node-1 spec.unschedulable", "false", "false", RestoreOutcome.RESTORED
            ),
            RestoreCheck(
                "us/node/us-node-2 spec.unschedulable", "false", "false", RestoreOutcome.RESTORED
            ),
        )
    return Timeline(
        time_scale=time_scale,
        started_at=start,
        ended_at=end,
        target_region="us",
        survivor_regions=("eu",),
        fault_injected_at=T0,
        restore_started_at=restore_at,
        restored_at=restored_at,
        vantage_points=(
            vantage(
                "new-york",
                "us",
                "eu",
                flip=flip,
                back=back,
                start=start,
                end=end,
                restored_at=restored_at,
            ),
            vantage(
                "paris",
                "eu",
                "eu",
                flip=None,
                back=None,
                start=start,
                end=end,
                restored_at=restored_at,
            ),
        ),
        endpoint_statuses=tuple(statuses),
        dns_ttl=3.0,
        abort_reason=abort_reason,
        restore_checks=checks,
        failback_observed=restored and abort_reason is None,
    )


def with_vantage(timeline: Timeline, index: int, vantage: VantageTimeline) -> Timeline:
    """The same timeline with one vantage point replaced."""
    points = list(timeline.vantage_points)
    points[index] = vantage
    return replace(timeline, vantage_points=tuple(points))
