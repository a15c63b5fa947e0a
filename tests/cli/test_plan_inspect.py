"""``plan --inspect`` reads the sandbox twin and predicts the budgets that block the drain."""

from __future__ import annotations

import json

from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.conftest import US_OUTAGE


def test_inspect_predicts_blocking_budget_and_maps_endpoints() -> None:
    """The default world's web budget blocks two of three pods; endpoints map by ingress."""
    result = CliRunner().invoke(
        cli, ["plan", str(US_OUTAGE), "--inspect", "--output", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    inspection = json.loads(result.stdout)["inspection"]
    assert sorted(inspection["endpoints"]["us"]) == [
        "myapp-eu/ExternalEndpoints/us",
        "myapp-na/ExternalEndpoints/us",
    ]
    [budget] = inspection["blockingBudgets"]
    assert budget["pdb"] == "shop/web"
    assert budget["disruptionsAllowed"] == 1
    assert len(budget["pods"]) == 3
    assert len(budget["blocked"]) == 2
    assert budget["then"] == "deleted after 5s (onBlocked: delete)"


def test_inspect_prints_the_arm_get_rate_of_the_tree() -> None:
    """The sandbox tree has three profiles (myapp, myapp-na, myapp-eu), so each monitor-status
    read is three ARM GETs: ``plan --inspect`` counts them and prints the read interval and GET
    rate the observer will keep (0.6 s, 5 GETs/s), not the 4 reads/s of one profile; while
    detection is expected it reads only the two profiles holding a us endpoint (myapp-na and
    myapp-eu, whose fallback it is): 2 GETs every 0.2 s from the burst."""
    result = CliRunner().invoke(
        cli, ["plan", str(US_OUTAGE), "--inspect", "--output", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["inspection"]["profiles"] == 3
    details = [d for step in document["steps"] for d in step["details"]]
    [arm] = [d for d in details if d.startswith("monitor status every")]
    assert arm.startswith("monitor status every 0.6s (3 ARM GETs per read")
    assert "5 ARM GETs/s" in arm
    assert document["inspection"]["watched"] == 2
    assert "every 0.2s from the burst while a change is expected (2 GETs each: only" in arm


def test_plan_without_inspect_stays_offline() -> None:
    """Without --inspect the plan has no inspection and needs no twin."""
    result = CliRunner().invoke(cli, ["plan", str(US_OUTAGE), "--output", "json"])
    assert result.exit_code == 0
    assert "inspection" not in json.loads(result.stdout)
