"""Predicted against measured: windows next to measures, and the verdict's warning for an
objective below what the probe settings allow."""

from __future__ import annotations

from drillkit.core.design import Monitor, predict
from drillkit.core.metrics import compute_metrics
from drillkit.core.predicted import compare, objective_warnings
from drillkit.core.verdict import decide_verdict
from drillkit.spec.model import Objectives
from tests.core.timeline_factory import us_outage

PREDICTION = predict(Monitor(interval_s=10, timeout_s=5, tolerated_failures=3), 30)


def test_measures_sit_next_to_their_windows() -> None:
    """Each comparison carries the predicted window, the measure and whether it fell inside."""
    metrics = compute_metrics(us_outage())
    rows = {row.name: row for row in compare(PREDICTION, us_outage(), metrics, flip_slack_s=2.5)}
    moving = {v.name for v in metrics.vantage_points if v.normal_region != v.expected_region}
    assert set(rows) == {"detection"} | {f"dnsFlip:{name}" for name in moving}
    detection = rows["detection"]
    assert detection.predicted.earliest_s == 30.0 and detection.predicted.latest_s == 45.0
    assert detection.measured == metrics.time_to_detect.real  # type: ignore[union-attr]
    assert detection.inside == (30.0 <= detection.measured <= 45.0)  # type: ignore[operator]
    assert rows["detection"].to_dict()["predictedS"] == [30.0, 45.0]


def test_an_objective_below_the_predicted_minimum_is_warned_about() -> None:
    """An rto of 20 s cannot be met when the flip comes 30 s at the earliest: the verdict says
    so next to its outcome."""
    objectives = Objectives.model_validate({"rto": "20s", "timeToDetect": "60s"})
    (warning,) = objective_warnings(PREDICTION, objectives)
    assert warning.startswith("objective rto 20s is below the predicted minimum 30s")
    timeline = us_outage()
    verdict = decide_verdict(timeline, compute_metrics(timeline), objectives, PREDICTION)
    assert verdict.warnings == (warning,)
    assert decide_verdict(timeline, compute_metrics(timeline), objectives).warnings == ()
