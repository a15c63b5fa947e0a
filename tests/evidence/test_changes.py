"""Evidence lists every change the drill made, with what restore made of it."""

from __future__ import annotations

import json
from dataclasses import replace

from drillkit.core.timeline import Change, RestoreCheck, RestoreOutcome
from drillkit.engine.records import Intent, Result
from drillkit.engine.reporting import changes_of, disruptions_from
from drillkit.evidence import render
from tests.core.timeline_factory import T0, us_outage
from tests.evidence.reports import make_report, table_under

NODE = "us/node/us-node-1 spec.unschedulable"
CHANGES = (
    Change(at=T0, action="cordon", target=NODE, region="us", value="true", ok=True, item=NODE),
    Change(at=T0 + 0.2, action="evict", target="shop/web-1", region="us", node="us-node-1",
           ok=True, detail="blocked"),
    Change(at=T0 + 1.2, action="delete-pod", target="shop/web-1", region="us", node="us-node-1",
           reason="eviction blocked for 1s (onBlocked: delete)", ok=True),
)  # fmt: skip
CHECK = RestoreCheck(NODE, "false", "false", RestoreOutcome.RESTORED, "put back")


def _report():  # type: ignore[no-untyped-def]
    return make_report(replace(us_outage(), changes=CHANGES, restore_checks=(CHECK,)))


def test_markdown_table_lists_each_change_and_its_restore():
    """Cordon, blocked eviction and deletion each get a row with time, node and restore."""
    rows = table_under(render(_report(), "md"), "## Changes and their restore")
    assert [r["Change"] for r in rows] == [
        "cordon to true",
        "evict",
        "delete-pod (eviction blocked for 1s (onBlocked: delete))",
    ]
    assert [r["Since fault (s)"] for r in rows] == ["+0.000", "+0.200", "+1.200"]
    assert rows[0]["Restore"] == "put back"
    assert rows[1]["Result"] == "blocked" and rows[1]["Node"] == "us-node-1"
    assert rows[2]["Restore"] == "not put back: its controller replaces the pod"


def test_json_changes_carry_the_restore_of_their_item():
    """The JSON document's changes hold each change, and restore's verdict for snapshot items."""
    changes = json.loads(render(_report(), "json"))["changes"]
    assert changes[0]["restore"] == {"outcome": "restored", "actual": "false", "detail": "put back"}
    assert changes[2]["restore"] is None and changes[2]["action"] == "delete-pod"


def test_changes_come_from_intents_and_results():
    """Each intent becomes a change with its result; one with no result says so (ok is None)."""
    records = [
        Intent(id="m1", action="cordon", item=NODE, region="us", value=True, wall=T0),
        Result(id="m1", ok=True),
        Intent(id="m2", action="evict", region="us", pod="shop/web-1", node="us-node-1", wall=T0),
    ]
    first, second = changes_of(records)  # type: ignore[arg-type]
    assert (first.target, first.value, first.ok, first.item) == (NODE, "true", True, NODE)
    assert (second.target, second.ok, second.item) == ("shop/web-1", None, None)


def test_a_pod_evicted_after_a_block_names_the_budget_in_evidence():
    """An eviction journalled as evicted after a block carries its budget and wait into the
    evictions table and the JSON document."""
    records = [
        Intent(id="m1", action="evict", region="us", pod="shop/web-1", node="us-node-1", wall=T0),
        Result(id="m1", ok=True, detail="evicted after 2.1 s blocked by PodDisruptionBudget "
               "shop/web", pdb="shop/web", blocked_s=2.1),
    ]  # fmt: skip
    timeline = replace(us_outage(), disruptions=disruptions_from(records))  # type: ignore[arg-type]
    rows = table_under(render(make_report(timeline), "md"), "## Pods evicted and deleted")
    assert rows[0]["Outcome"] == "evicted after 2.1 s blocked by PodDisruptionBudget shop/web"
    [row] = json.loads(render(make_report(timeline), "json"))["disruptions"]
    assert (row["pdb"], row["blockedS"]) == ("shop/web", 2.1)
