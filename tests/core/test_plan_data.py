"""The plan names each replication canary and the data objectives."""

from __future__ import annotations

from drillkit.core.plan import build_plan, render_text
from drillkit.spec.loader import load_drill
from tests.conftest import DRILLS


def test_the_plan_says_what_the_canary_writes_and_what_it_judges() -> None:
    """`drillkit plan` of the data drill lists the canary's cadence and both data objectives."""
    text = render_text(build_plan(load_drill(DRILLS / "sandbox" / "us-outage-data.yaml", env={})))
    assert "canary orders: PUT through us every 100ms from the baseline, read on eu" in text
    assert "RPO <= 5s (real-world-equivalent)" in text
    assert "lost writes <= 0" in text
