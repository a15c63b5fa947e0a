"""Read-only inspection for `plan`, against the twin: endpoints per region, blocking budgets."""

from __future__ import annotations

from drillkit.adapters.bundle import Connections
from drillkit.engine.inspect import inspect
from drillkit.spec.loader import load_drill
from tests.conftest import US_OUTAGE


def test_draining_every_us_node_predicts_the_web_budget_blocks(conns: Connections) -> None:
    """web's maxUnavailable 1 lets one pod go; the other two stay blocked and are deleted."""
    before = {n.name: n.unschedulable for n in conns.clusters["us"].list_nodes({})}
    found = inspect(load_drill(US_OUTAGE), conns)
    assert found.endpoints["us"] == (
        "myapp-na/ExternalEndpoints/us",
        "myapp-eu/ExternalEndpoints/us",
    )
    assert len(found.blocks) == 1
    block = found.blocks[0]
    assert block.pdb == "shop/web" and block.allowed == 1
    assert len(block.pods) == 3 and len(block.blocked) == 2
    assert block.then == "deleted after 5s (onBlocked: delete)"
    assert {n.name: n.unschedulable for n in conns.clusters["us"].list_nodes({})} == before
