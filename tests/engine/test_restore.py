"""Restore from the journal alone: idempotent, crash-safe, and careful about drift."""

from __future__ import annotations

from pathlib import Path

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import WorkloadState
from drillkit.core.timeline import RestoreOutcome
from drillkit.engine.faults import World
from drillkit.engine.journal import Journal
from drillkit.engine.records import Intent, Item, Result, SnapshotTaken
from drillkit.engine.restore import restore
from drillkit.engine.runs import RunStore
from tests.engine.fakes import FakeWorld


def _journal(tmp_path: Path, world: FakeWorld, *, with_results: bool = True) -> Journal:
    """A journal of a scale-down of us/web from 3 to 0 (the write has happened)."""
    us = world.clusters["us"]
    us.workloads["Deployment/shop/web"] = WorkloadState("Deployment", "shop", "web", 0)
    item = Item("us/deployment/shop/web replicas", "workload", "us",
                {"kind": "Deployment", "namespace": "shop", "name": "web"}, 3)  # fmt: skip
    journal = RunStore(tmp_path).create("run-1", SystemClock())
    journal.append(SnapshotTaken(items=(item,)))
    journal.append(Intent(id="m1", action="scale", item=item.what, region="us", value=0))
    if with_results:
        journal.append(Result(id="m1", ok=True))
    return journal


def test_restore_puts_back_the_snapshot_value(tmp_path: Path, world: FakeWorld) -> None:
    """A changed item is written back to its snapshot value and checked."""
    journal = _journal(tmp_path, world)
    checks = restore(journal.records(), World(world.clusters, world.tm), journal)  # type: ignore[arg-type]
    assert [c.outcome for c in checks] == [RestoreOutcome.RESTORED]
    assert world.clusters["us"].workloads["Deployment/shop/web"].replicas == 3


def test_restore_is_idempotent(tmp_path: Path, world: FakeWorld) -> None:
    """A second restore only checks: no write at all."""
    journal = _journal(tmp_path, world)
    restore(journal.records(), World(world.clusters, world.tm), journal)  # type: ignore[arg-type]
    writes = len(world.clusters["us"].mutations())
    checks = restore(journal.records(), World(world.clusters, world.tm), journal)  # type: ignore[arg-type]
    assert [c.outcome for c in checks] == [RestoreOutcome.RESTORED]
    assert len(world.clusters["us"].mutations()) == writes


def test_an_intent_without_result_is_restored(tmp_path: Path, world: FakeWorld) -> None:
    """A crash between intent and result still gets the item put back."""
    journal = _journal(tmp_path, world, with_results=False)
    checks = restore(journal.records(), World(world.clusters, world.tm), journal)  # type: ignore[arg-type]
    assert checks[0].outcome is RestoreOutcome.RESTORED
    assert world.clusters["us"].workloads["Deployment/shop/web"].replicas == 3


def test_drift_is_reported_and_left_alone(tmp_path: Path, world: FakeWorld) -> None:
    """A value someone else changed during the drill is reported as drift, not overwritten."""
    journal = _journal(tmp_path, world)
    world.clusters["us"].workloads["Deployment/shop/web"] = WorkloadState(
        "Deployment", "shop", "web", 5
    )
    checks = restore(journal.records(), World(world.clusters, world.tm), journal)  # type: ignore[arg-type]
    assert checks[0].outcome is RestoreOutcome.DRIFTED
    assert "someone set it to 5" in checks[0].detail and "--force" in checks[0].detail
    assert world.clusters["us"].workloads["Deployment/shop/web"].replicas == 5


def test_force_overwrites_drift(tmp_path: Path, world: FakeWorld) -> None:
    """With force, a drifted value is put back to the snapshot."""
    journal = _journal(tmp_path, world)
    world.clusters["us"].workloads["Deployment/shop/web"] = WorkloadState(
        "Deployment", "shop", "web", 5
    )
    checks = restore(journal.records(), World(world.clusters, world.tm), journal, force=True)  # type: ignore[arg-type]
    assert checks[0].outcome is RestoreOutcome.RESTORED
    assert world.clusters["us"].workloads["Deployment/shop/web"].replicas == 3
