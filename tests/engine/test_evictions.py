"""A pod that a PodDisruptionBudget blocks and then lets go: its final eviction result keeps
the budget that blocked it and for how long, in the journal and in evidence."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from drillkit.engine.faults import FaultContext, World
from drillkit.engine.faults.drain import FAULT
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Intent, Result, SnapshotTaken, read_journal
from drillkit.engine.reporting import disruptions_from
from drillkit.engine.runs import RunStore
from drillkit.evidence import render
from tests.core.timeline_factory import us_outage
from tests.engine.fakes import FakeWorld, make_drill
from tests.evidence.reports import make_report, table_under


class SteppingClock:
    """Monotonic time that moves only when the drain sleeps: a block lasts exactly its pauses."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _drain(world: FakeWorld, tmp_path: Path) -> Path:
    drill = make_drill(fault={"type": "drain", "evictionTimeout": "5s", "onBlocked": "abort"})
    view = World(world.clusters, world.tm)  # type: ignore[arg-type]
    with RunStore(tmp_path).create("r", SteppingClock()) as journal:
        items = FAULT.snapshot(drill.fault, drill, view)  # type: ignore[arg-type]
        journal.append(SnapshotTaken(items=tuple(items)))
        ctx = FaultContext(view, Mutator(journal), SteppingClock(), threading.Event())
        FAULT.inject(drill.fault, drill, items, ctx)  # type: ignore[arg-type]
    return journal.path


def test_a_pod_blocked_twice_then_evicted_keeps_its_budget_and_wait(tmp_path: Path) -> None:
    """Blocked by shop/web twice (0.1 s, then 0.2 s of backoff), then evicted: the final result
    is journalled as evicted with the budget and 0.3 s blocked, and evidence shows both."""
    # "429 Too Many Requests: the eviction is not currently allowed because of the configured
    # PodDisruptionBudget. You may be able to attempt the eviction again later."
    # (https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/)
    world = FakeWorld()
    world.clusters["us"].budgets["shop/web-2"] = ("shop/web", 2)
    records = read_journal(_drain(world, tmp_path))
    intent = next(r for r in records if isinstance(r, Intent) and r.pod == "shop/web-2")
    [result] = [r for r in records if isinstance(r, Result) and r.id == intent.id]
    assert (result.ok, result.pdb, result.blocked_s) == (True, "shop/web", 0.3)
    assert result.detail == "evicted after 0.3 s blocked by PodDisruptionBudget shop/web"
    others = [r for r in records if isinstance(r, Result) and r.detail == "evicted"]
    assert others and all(r.pdb is None and r.blocked_s is None for r in others)

    timeline = replace(us_outage(), disruptions=disruptions_from(records))
    rows = table_under(render(make_report(timeline), "md"), "## Pods evicted and deleted")
    [row] = [r for r in rows if r["Pod"] == "shop/web-2"]
    assert row["Outcome"] == "evicted after 0.3 s blocked by PodDisruptionBudget shop/web"
    evidence = render(make_report(timeline), "json")
    assert '"pdb": "shop/web"' in evidence and '"blockedS": 0.3' in evidence
