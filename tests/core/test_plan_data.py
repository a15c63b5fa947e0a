"""The plan names each replication canary and the data objectives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from drillkit.core.plan import build_plan, render_text
from drillkit.spec.loader import load_drill
from tests.conftest import DRILLS


def test_the_plan_says_what_the_canary_writes_and_what_it_judges() -> None:
    """`drillkit plan` of the data drill lists the canary's cadence and both data objectives."""
    text = render_text(build_plan(load_drill(DRILLS / "sandbox" / "us-outage-data.yaml", env={})))
    assert "canary orders: PUT through us every 100ms from the baseline, read on eu" in text
    assert "RPO <= 5s (real-world-equivalent)" in text
    assert "lost writes <= 0" in text


def test_the_plan_names_a_cosmos_canarys_container_and_locations(
    write_drill: Callable[..., Path], us_outage_text: str
) -> None:
    """A Cosmos DB canary is planned as documents in its database/container, written in one
    location and read in the other."""
    from tests.spec.test_data import COSMOS_CANARY, with_canary

    drill = load_drill(write_drill(with_canary(us_outage_text, COSMOS_CANARY)), env={})
    text = render_text(build_plan(drill))
    assert (
        "canary orders-db: Cosmos DB documents in drillkit/canary (East US -> West Europe) "
        "through us every 500ms from the baseline, read on eu"
    ) in text
