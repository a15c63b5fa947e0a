"""Evidence lists every change the drill made, with what restore made of it."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

from drillkit.adapters.clock import SystemClock
from drillkit.core.timeline import Change, RestoreCheck, RestoreOutcome
from drillkit.engine import faults
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.hold import Holder
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Intent, Result, SnapshotTaken, read_journal
from drillkit.engine.reporting import changes_of, disruptions_from
from drillkit.engine.runs import RunStore
from drillkit.evidence import render
from tests.core.timeline_factory import T0, us_outage
from tests.engine.fakes import FakeWorld, make_drill
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


def test_a_node_that_joined_mid_drill_says_so_in_the_changes_table(tmp_path: Path) -> None:
    """A node the autoscaler adds during a drain is cordoned by the hold check, and its row in
    the changes table says it was created during the drill and cordoned by drillkit."""
    world = FakeWorld()
    drill = make_drill(fault={"type": "drain", "onBlocked": "delete"})
    fault = faults.fault_type(drill.fault)
    view = World(world.clusters, world.tm)  # type: ignore[arg-type]
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        items = fault.snapshot(drill.fault, drill, view)
        journal.append(SnapshotTaken(items=tuple(items)))
        ctx = FaultContext(view, Mutator(journal), SystemClock(), threading.Event())
        fault.inject(drill.fault, drill, items, ctx)
        world.clusters["us"].nodes["us-node-4"] = False  # the cluster autoscaler's
        Holder(drill, fault, list(items), ctx, journal, 0.01).check()
    timeline = replace(us_outage(), changes=changes_of(read_journal(journal.path)))
    rows = table_under(render(make_report(timeline), "md"), "## Changes and their restore")
    cordons = {r["Target"]: r["Change"] for r in rows if r["Change"].startswith("cordon")}
    joined = "us/node/us-node-4 spec.unschedulable"
    assert cordons[joined] == "cordon to true (created during the drill, cordoned by drillkit)"
    assert cordons["us/node/us-node-1 spec.unschedulable"] == "cordon to true"
