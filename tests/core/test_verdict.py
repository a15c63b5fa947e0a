"""The verdict: objectives held or missed, aborted runs and incomplete restores."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drillkit.core.design import Prediction, Window
from drillkit.core.faults import describe
from drillkit.core.metrics import compute_metrics
from drillkit.core.report import build_report
from drillkit.core.timeline import RestoreCheck, RestoreOutcome, Timeline
from drillkit.core.verdict import Outcome, Verdict, decide_verdict
from drillkit.exitcodes import ExitCode
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Objectives
from tests.conftest import AKS_EXAMPLE, US_OUTAGE
from tests.core.timeline_factory import T0, us_outage, with_vantage


def _objectives(**values: str) -> Objectives:
    return Objectives.model_validate(values)


def _verdict(timeline: Timeline, **objectives: str) -> Verdict:
    return decide_verdict(timeline, compute_metrics(timeline), _objectives(**objectives))


def test_pass_when_every_objective_holds() -> None:
    """RTO 40.1 s real and failback 20 s real pass objectives of 120 s; exit code 0."""
    verdict = _verdict(us_outage(), rto="120s", failback="120s", timeToDetect="60s")
    assert verdict.outcome is Outcome.PASS
    assert verdict.exit_code is ExitCode.PASS
    assert [(o.name, o.target, o.held) for o in verdict.objectives] == [
        ("timeToDetect", 60.0, True),
        ("rto", 120.0, True),
        ("failback", 120.0, True),
    ]
    assert verdict.reason == "Every objective held and the world was restored."


def test_objectives_compare_real_world_seconds() -> None:
    """An RTO of 3.885 measured seconds at time scale 0.1 (38.85 s real) misses a 30 s objective."""
    verdict = _verdict(us_outage(flip=4.0), rto="30s")
    assert verdict.outcome is Outcome.FAIL
    assert verdict.exit_code is ExitCode.OBJECTIVE_MISSED
    (rto,) = verdict.objectives
    assert rto.measured is not None
    assert rto.measured.real == pytest.approx(38.85)
    assert not rto.held
    assert "rto took 38.8s" in verdict.reason


def test_metric_that_never_happened_misses_its_objective() -> None:
    """If DNS never fails over, the RTO objective is missed and the reason says so."""
    verdict = _verdict(us_outage(flip=None), rto="120s")
    assert verdict.outcome is Outcome.FAIL
    assert verdict.objectives[0].measured is None
    assert "rto never happened" in verdict.reason


def test_no_objectives_passes_when_restored() -> None:
    """A drill without objectives passes once the world is restored."""
    verdict = _verdict(us_outage())
    assert verdict.outcome is Outcome.PASS
    assert verdict.objectives == ()


def test_aborted_run_is_aborted_even_if_objectives_held() -> None:
    """An abort wins over held objectives, and names its reason."""
    verdict = _verdict(us_outage(abort_reason="survivor eu unhealthy"), rto="120s")
    assert verdict.outcome is Outcome.ABORTED
    assert verdict.exit_code is ExitCode.ABORTED
    assert "survivor eu unhealthy" in verdict.reason


def test_interrupted_abort_exits_130() -> None:
    """An abort by SIGINT or SIGTERM maps to exit code 130."""
    tl = replace(us_outage(abort_reason="SIGINT"), interrupted=True)
    assert _verdict(tl).exit_code is ExitCode.INTERRUPTED


def test_drift_makes_restore_incomplete() -> None:
    """A drifted snapshot item leaves the run restore-incomplete and names the item."""
    drift = RestoreCheck(
        "us/deploy/web replicas", "3", "5", RestoreOutcome.DRIFTED, "someone scaled it"
    )
    verdict = _verdict(us_outage(checks=(drift,), abort_reason="maxDuration"), rto="120s")
    assert verdict.outcome is Outcome.RESTORE_INCOMPLETE
    assert verdict.exit_code is ExitCode.RESTORE_INCOMPLETE
    assert not verdict.restored
    assert "us/deploy/web replicas is 5, was 3 (drifted)" in verdict.reason


def test_unfinished_restore_is_incomplete() -> None:
    """A restore that never finished is restore-incomplete and says how to finish it."""
    verdict = _verdict(us_outage(restored=False))
    assert verdict.outcome is Outcome.RESTORE_INCOMPLETE
    assert "drillkit restore" in verdict.reason


def test_nothing_to_restore_before_injection() -> None:
    """A run aborted before injecting needs no restore and is simply aborted."""
    tl = replace(
        us_outage(abort_reason="SIGTERM", checks=()),
        fault_injected_at=None,
        restore_started_at=None,
        restored_at=None,
    )
    assert _verdict(tl, rto="120s").outcome is Outcome.ABORTED


def test_build_report_from_the_sandbox_drill() -> None:
    """build_report takes the drill's metadata, environment, survivors and objectives."""
    drill = load_drill(US_OUTAGE)
    report = build_report(
        run_id="us-outage-20231114T221320Z",
        drill=drill,
        drill_path="drills/sandbox/us-outage.yaml",
        drill_sha256="ab" * 32,
        run_by="sre@laptop",
        timeline=us_outage(),
        journal_paths=(".drillkit/runs/x/journal.jsonl",),
    )
    assert report.environment == "sandbox"
    assert (report.target, report.survivors) == ("us", ("eu",))
    assert report.drill.owner == "sre-oncall"
    assert report.fault == "drain all nodes (evictionTimeout: 5s, onBlocked: delete)"
    assert report.verdict.outcome is Outcome.PASS
    assert [o.name for o in report.verdict.objectives] == ["rto", "failback"]


def test_describe_scale_down_fault() -> None:
    """The AKS example's fault reads as a scale-down of its namespace and selector."""
    drill = load_drill(AKS_EXAMPLE, env={"AZURE_SUBSCRIPTION_ID": "0000"})
    assert describe(drill).headline == (
        "scale-down storefront/app.kubernetes.io/part-of=storefront to 0"
    )


def test_geo_routing_without_nested_profiles_is_explained() -> None:
    """DNS stuck on a Degraded target gets the nested-profile explanation in the reason."""
    verdict = _verdict(us_outage(flip=None, detect=2.0), rto="120s")
    assert "new-york still answered by us after Traffic Manager marked it Degraded" in (
        verdict.reason
    )
    assert "nested Priority profile" in verdict.reason


def test_undetected_outage_is_explained() -> None:
    """DNS stuck while the target was never Degraded points at the probe settings."""
    verdict = _verdict(us_outage(flip=None, detect=None), rto="120s")
    assert "Traffic Manager never marked us Degraded during the outage" in verdict.reason


def test_wrong_survivor_is_named() -> None:
    """DNS that settled on a region other than the expected one is named in the reason."""
    tl = us_outage(flip=None)
    ny = tl.vantage_points[0]
    odd = tuple(replace(s, region="ap") if s.at >= T0 + 3 else s for s in ny.dns)
    tl = with_vantage(tl, 0, replace(ny, dns=odd))
    assert "new-york last answered ap" in _verdict(tl, rto="120s").reason


def test_no_explanation_when_dns_moved() -> None:
    """A missed RTO with every vantage point flipped carries no DNS explanation."""
    verdict = _verdict(us_outage(flip=4.0), rto="30s")
    assert "DNS never" not in verdict.reason
    assert "still answered" not in verdict.reason


def test_detection_is_compared_with_the_interval_of_reads_of_the_whole_tree() -> None:
    """A status read that walks three profiles is three ARM GETs, so it comes every 0.6 s at
    most (the budget, 5 GETs/s), and the detection window is widened by that, not by the
    0.25 s poll: 6 real-world s at a time scale of 0.1."""
    drill = load_drill(US_OUTAGE)
    timeline = us_outage()
    extra = tuple(
        replace(s, endpoint=s.endpoint.replace("myapp-na", name))
        for s in timeline.endpoint_statuses[:2]
        for name in ("myapp", "myapp-eu")
    )
    prediction = Prediction(Window(27.0, 49.0), Window(27.0, 109.0), Window(27.0, 139.0), 30, "")

    def slack(tl: Timeline) -> float:
        report = build_report(
            run_id="r", drill=drill, drill_path="d", drill_sha256="ab" * 32, run_by="sre",
            timeline=tl, prediction=prediction,
        )  # fmt: skip
        [detection] = [c for c in report.comparisons if c.name == "detection"]
        return detection.slack_s

    assert slack(timeline) == pytest.approx(2.5)  # one profile: the 250 ms poll
    tree = replace(timeline, endpoint_statuses=timeline.endpoint_statuses + extra)
    assert slack(tree) == pytest.approx(6.0)
