"""Preflight reads the Traffic Manager design: a design that can never fail over, or a target
that is already down, is refused (exit 3) before anything changes; a run journals the
prediction and its evidence compares it with what was measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillkit.core.design import DesignEndpoint, DesignProfile, Monitor
from drillkit.engine.records import PredictionMade, read_journal
from drillkit.errors import PreflightRefused
from drillkit.exitcodes import ExitCode
from tests.engine.fakes import INGRESS, FakeWorld
from tests.engine.test_runner import run

MONITOR = Monitor(interval_s=10, timeout_s=5, tolerated_failures=3)


def test_a_geographic_design_without_nesting_is_refused(
    world: FakeWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problem 6: a Geographic profile whose endpoints point straight at the regions is refused
    in preflight with the profile, the endpoint and what to change; nothing is mutated (round 1
    ran the whole outage, then blamed the probe settings)."""
    flat = DesignProfile(
        "myapp",
        "Geographic",
        30,
        MONITOR,
        endpoints=tuple(
            DesignEndpoint(region, "ExternalEndpoints", host, geo_mapping=(f"GEO-{region}",))
            for region, host in INGRESS.items()
        ),
    )
    monkeypatch.setattr(world.tm, "design", lambda: flat)
    with pytest.raises(PreflightRefused) as refused:
        run(world, tmp_path)
    assert refused.value.exit_code == ExitCode.PREFLIGHT_REFUSED
    assert "profile myapp endpoint us is a Geographic endpoint" in str(refused.value)
    assert "nested child profile" in str(refused.value)
    assert world.clusters["us"].mutations() == []


def test_a_target_that_fails_its_check_now_is_refused(world: FakeWorld, tmp_path: Path) -> None:
    """Problem 5: a target whose HTTP check fails before the drill is refused: a drill would
    measure nothing."""
    world.sick.add("us")
    with pytest.raises(PreflightRefused, match="the target us is not serving now"):
        run(world, tmp_path)
    assert world.clusters["us"].mutations() == []


def test_a_run_journals_the_prediction_and_compares_it(world: FakeWorld, tmp_path: Path) -> None:
    """The prediction made in preflight is journalled, and the report puts each measure next
    to its window."""
    result = run(world, tmp_path)
    (made,) = [r for r in read_journal(result.journal_path) if isinstance(r, PredictionMade)]
    assert made.detection_s == (27.0, 49.0) and made.dns_flip_s == (27.0, 109.0)
    assert result.report.prediction is not None
    assert result.report.comparisons[0].name == "detection"
