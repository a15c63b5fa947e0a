"""The step gates of ``run --step`` open in the lifecycle's order against the fakes."""

from __future__ import annotations

from pathlib import Path

from drillkit.core.stepgates import STEPS
from drillkit.core.verdict import Outcome
from drillkit.engine.runner import Runner, RunOptions
from tests.engine.fakes import FakeWorld, make_drill


def test_gates_open_in_order_and_a_home_survivor_is_no_flip(
    world: FakeWorld, tmp_path: Path
) -> None:
    """paris is answered by eu before and during a us outage, so it is no flip: the Flipped
    gate waits for new-york to move, after detection, and the gates open exactly in the order
    inject, detected, flipped, rto, restore."""
    # https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring ("Endpoint
    # failover and recovery"): the monitoring system "marks the unavailable endpoint status as
    # Degraded", then "The Traffic Manager DNS name servers are updated": detection, then flip.
    opened: list[str] = []

    def gate(step: str) -> bool:
        opened.append(step)
        return True

    options = RunOptions(
        drill=make_drill(),
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
        run_by="tester@host",
        gate=gate,
    )
    result = Runner(options, world.connections()).run()
    assert result.report.verdict.outcome is Outcome.PASS, result.report.verdict.reason
    assert opened == ["inject", "detected", "flipped", "rto", "restore"]
    assert opened == list(STEPS)
