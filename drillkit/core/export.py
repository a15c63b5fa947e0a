"""The metrics a run pushes to a Pushgateway: names, help, labels and values. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass

from drillkit.core.metrics import Measure, Metrics
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


def run_samples(
    metrics: Metrics | None,
    outcome: Outcome,
    finished_at: float,
    objectives: Objectives | None = None,
) -> list[Sample]:
    """Every gauge of one run. Unmeasured durations are NaN, so a stale value never lingers."""
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
    ):
        if objective is not None:
            samples.append(
                Sample(
                    f"drillkit_{name}_objective_seconds",
                    f"The drill's {name} objective (real-world s), for alert rules.",
                    float(objective),
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
