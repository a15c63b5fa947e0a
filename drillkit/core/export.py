"""The metrics a run pushes to a Pushgateway: names, help, labels and values. Pure.

Durations are real-world-equivalent seconds (measured / time scale), like the JSON evidence's
``realS``; a figure from sampling has a twin ``..._uncertainty_seconds`` gauge (its half width,
the JSON's ``realUncertaintyS`` / ``realPmS``). A series that applies to the drill but was not
measured this run is NaN, so a stale value never lingers (the push replaces a name's series
only when it carries that name); series that do not apply (no canary, a vantage point that
did not have to move) are not pushed at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from drillkit.core.data import DataMetrics, Interval, LagSummary
from drillkit.core.metrics import Measure, Metrics
from drillkit.core.report import RunReport
from drillkit.core.rto_parts import PARTS, VantageParts, rto_parts
from drillkit.core.verdict import Outcome
from drillkit.spec.model import Objectives

PREFIX = "drillkit_"


@dataclass(frozen=True, slots=True)
class Sample:
    """One gauge value; ``labels`` are beyond the grouping key (job, drill, target)."""

    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


def _real(measure: Measure | None) -> float:
    return measure.real if measure is not None else math.nan


def _mid(value: Interval | None, scale: float) -> float:
    return value.mid / scale if value is not None else math.nan


def _half(value: Interval | None, scale: float) -> float:
    return value.half / scale if value is not None else math.nan


def run_samples(
    metrics: Metrics | None,
    outcome: Outcome,
    finished_at: float,
    objectives: Objectives | None = None,
    *,
    data: DataMetrics | None = None,
    parts: Sequence[VantageParts] = (),
) -> list[Sample]:
    """Every gauge of one run: recovery times, the canaries' ``data`` figures and the RTO's
    ``parts`` per vantage point. Unmeasured durations are NaN, so a stale value never lingers."""
    samples = [
        Sample(
            "drillkit_rto_seconds",
            "Recovery time objective as measured (real-world s).",
            _real(metrics.rto if metrics else None),
        ),
        Sample(
            "drillkit_time_to_detect_seconds",
            "Until Traffic Manager marked the target Degraded (real-world s).",
            _real(metrics.time_to_detect if metrics else None),
        ),
        Sample(
            "drillkit_failback_seconds",
            "From restore until every vantage point was back (real-world s).",
            _real(metrics.failback if metrics else None),
        ),
    ]
    for vantage in metrics.vantage_points if metrics else ():
        samples.append(
            Sample(
                "drillkit_dns_failover_seconds",
                "Until DNS answered the survivor for this vantage point (real-world s).",
                _real(vantage.dns_failover),
                (("vantage", vantage.name),),
            )
        )
    samples += part_samples(parts)
    if data is not None and metrics is not None:
        samples += data_samples(data, metrics.time_scale)
    for each in Outcome:
        samples.append(
            Sample(
                "drillkit_verdict",
                "1 for the outcome of the last run, 0 for the others.",
                1.0 if each is outcome else 0.0,
                (("outcome", each.value),),
            )
        )
    samples.append(
        Sample(
            "drillkit_last_run_timestamp_seconds", "When the last run ended (Unix s).", finished_at
        )
    )
    for name, objective in (
        ("rto", objectives.rto if objectives else None),
        ("failback", objectives.failback if objectives else None),
        ("rpo", objectives.rpo if objectives else None),
    ):
        if objective is not None:
            samples.append(
                Sample(
                    f"drillkit_{name}_objective_seconds",
                    f"The drill's {name} objective (real-world s), for alert rules.",
                    float(objective),
                )
            )
    if objectives is not None and objectives.lost_writes is not None:
        samples.append(
            Sample(
                "drillkit_lost_writes_objective",
                "The drill's lostWrites objective (at most this many), for alert rules.",
                float(objectives.lost_writes),
            )
        )
    if outcome is Outcome.PASS:
        samples.append(
            Sample(
                "drillkit_last_success_timestamp_seconds",
                "When the last passing run ended (Unix s); kept across failed runs.",
                finished_at,
            )
        )
    return samples


def report_samples(report: RunReport, objectives: Objectives | None = None) -> list[Sample]:
    """Every gauge of a run's report (what ``export.pushgateway`` pushes at the end of a run)."""
    return run_samples(
        report.metrics,
        report.verdict.outcome,
        report.ended_at,
        objectives,
        data=report.data,
        parts=rto_parts(report.timeline, report.metrics),
    )


def part_samples(parts: Sequence[VantageParts]) -> list[Sample]:
    """The RTO in its parts, per vantage point that had to move and part (``PARTS``)."""
    samples: list[Sample] = []
    for vantage in parts:
        for part in PARTS:
            measure = vantage.parts.get(part)
            labels = (("vantage", vantage.name), ("part", part))
            samples.append(
                Sample(
                    "drillkit_rto_part_seconds",
                    "One part of the RTO for this vantage point (real-world s).",
                    _real(measure),
                    labels,
                )
            )
            samples.append(
                Sample(
                    "drillkit_rto_part_uncertainty_seconds",
                    "Half the sampling interval around the RTO part (real-world s).",
                    measure.real_pm if measure is not None else math.nan,
                    labels,
                )
            )
    return samples


QUANTILES = (("0.5", "p50"), ("0.95", "p95"), ("1", "max"))
"""Lag percentiles as ``quantile`` label values (1: the maximum) and LagSummary fields."""


def _lag(canary: str, phase: str, summary: LagSummary, scale: float) -> list[Sample]:
    samples: list[Sample] = []
    for quantile, field in QUANTILES:
        value: Interval | None = getattr(summary, field)
        labels = (("canary", canary), ("phase", phase), ("quantile", quantile))
        samples.append(
            Sample(
                "drillkit_replication_lag_seconds",
                "Replication lag of acknowledged canary writes, per phase (real-world s).",
                _mid(value, scale),
                labels,
            )
        )
        samples.append(
            Sample(
                "drillkit_replication_lag_uncertainty_seconds",
                "Half the sampling interval around the replication lag (real-world s).",
                _half(value, scale),
                labels,
            )
        )
    return samples


def data_samples(data: DataMetrics, time_scale: float) -> list[Sample]:
    """The replication canaries' figures; none when the drill has no canary. RPO and lost
    writes are NaN when the target acknowledged no canary write (nothing was measured)."""
    if not data.canaries:
        return []
    acked = sum(c.acked for c in data.canaries) > 0
    rpo = data.rpo if acked else None
    samples = [
        Sample(
            "drillkit_rpo_seconds",
            "Acknowledged writes lost, back from when the target stopped acknowledging "
            "(worst canary, real-world s).",
            _mid(rpo, time_scale),
        ),
        Sample(
            "drillkit_rpo_uncertainty_seconds",
            "Half the sampling interval around the RPO (real-world s).",
            _half(rpo, time_scale),
        ),
        Sample(
            "drillkit_lost_writes",
            "Canary writes the target acknowledged and the survivor never served.",
            float(len(data.lost)) if acked else math.nan,
        ),
    ]
    for canary in data.canaries:
        samples += _lag(canary.name, "before", canary.lag_before, time_scale)
        samples += _lag(canary.name, "during", canary.lag_during, time_scale)
    for canary in data.canaries:
        back = canary.write_back
        for state, count in (("accepted", back.accepted), ("readable", back.readable)):
            samples.append(
                Sample(
                    "drillkit_write_back_writes",
                    "Writes the survivor accepted during the outage (accepted), and those "
                    "readable through the target after restore (readable).",
                    float(count),
                    (("canary", canary.name), ("state", state)),
                )
            )
    for canary in data.canaries:
        labels = (("canary", canary.name),)
        time = canary.write_back.time
        samples.append(
            Sample(
                "drillkit_write_back_seconds",
                "From the end of restore until every write-back was readable (real-world s).",
                _mid(time, time_scale),
                labels,
            )
        )
        samples.append(
            Sample(
                "drillkit_write_back_uncertainty_seconds",
                "Half the sampling interval around the write-back time (real-world s).",
                _half(time, time_scale),
                labels,
            )
        )
    return samples
