"""Predicted against measured: each prediction of :mod:`drillkit.core.design` next to what the
run measured, and the objectives that no run can meet under the profile's probe settings."""

from __future__ import annotations

from dataclasses import dataclass

from drillkit.core.design import Prediction, Window
from drillkit.core.metrics import Metrics
from drillkit.core.timeline import Timeline
from drillkit.spec.model import Objectives


@dataclass(frozen=True, slots=True)
class Comparison:
    """One predicted window and the measured value (real-world seconds after the fault).

    ``slack_s`` is how coarsely the run could see the moment (its polling interval, in
    real-world seconds): a value within the window widened by it is inside."""

    name: str
    predicted: Window
    measured: float | None
    slack_s: float

    @property
    def inside(self) -> bool | None:
        if self.measured is None:
            return None
        return self.predicted.contains(self.measured, self.slack_s)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "predictedS": [self.predicted.earliest_s, self.predicted.latest_s],
            "measuredS": None if self.measured is None else round(self.measured, 3),
            "slackS": round(self.slack_s, 3),
            "inside": self.inside,
        }


def compare(
    prediction: Prediction,
    timeline: Timeline,
    metrics: Metrics,
    *,
    detect_slack_s: float = 0.0,
    flip_slack_s: float = 0.0,
) -> tuple[Comparison, ...]:
    """Detection, and the DNS flip of each vantage point that has to move (one normally served
    by the target), against their predicted windows: counted from when the target stopped
    serving (``timeline.target_down_at``), else from the fault's injection."""
    start = timeline.target_down_at or timeline.fault_injected_at

    def since(at: float | None) -> float | None:
        if at is None or start is None:
            return None
        return (at - start) / timeline.time_scale

    detect = since(metrics.detected_at)
    rows = [Comparison("detection", prediction.detection, detect, detect_slack_s)]
    for vantage in metrics.vantage_points:
        if vantage.normal_region == vantage.expected_region:
            continue  # already on the survivor: nothing flips
        flip = since(vantage.flipped_at)
        rows.append(Comparison(f"dnsFlip:{vantage.name}", prediction.dns_flip, flip, flip_slack_s))
    return tuple(rows)


def objective_warnings(prediction: Prediction, objectives: Objectives) -> tuple[str, ...]:
    """Objectives set below what Traffic Manager can do with these probe settings."""
    checks = (
        ("timeToDetect", objectives.time_to_detect, prediction.detection),
        ("rto", objectives.rto, prediction.dns_flip),
    )
    return tuple(
        f"objective {name} {float(target):g}s is below the predicted minimum "
        f"{window.earliest_s:g}s ({prediction.basis}): no run can meet it with these settings"
        for name, target, window in checks
        if target is not None and float(target) < window.earliest_s
    )
