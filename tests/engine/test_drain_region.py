"""A whole region's drain: its nodes are cordoned several at a time, each behind its own marker
and journalled intent, all before the first eviction; a cordon that fails stops the rest."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import PodRef
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.faults.drain import FAULT, MAX_PARALLEL_NODES
from drillkit.engine.journal import Journal
from drillkit.engine.markers import MarkerWriter
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Intent, SnapshotTaken
from drillkit.engine.runs import RunStore
from drillkit.errors import TransientAdapterError
from tests.engine.fakes import FakeCluster, FakeWorld, make_drill, slow_cordons

NODES = 40


def _region(world: FakeWorld) -> FakeCluster:
    """us with 40 nodes, two web pods on each."""
    us = world.clusters["us"]
    us.nodes.clear()
    us.pods.clear()
    for i in range(1, NODES + 1):
        us.nodes[f"us-node-{i}"] = False
        for k in (1, 2):
            pod = PodRef("shop", f"web-{i}-{k}", f"us-node-{i}", "ReplicaSet")
            us.pods[pod.key] = pod
    return us


def _inject(world: FakeWorld, tmp_path: Path) -> Journal:
    drill = make_drill(fault={"type": "drain", "onBlocked": "abort"})
    view = World(world.clusters, world.tm)  # type: ignore[arg-type]
    journal = RunStore(tmp_path).create("run-1", SystemClock())
    items = FAULT.snapshot(drill.fault, drill, view)  # type: ignore[arg-type]
    journal.append(SnapshotTaken(items=tuple(items)))
    ctx = FaultContext(
        view, Mutator(journal), SystemClock(), threading.Event(),
        mark=MarkerWriter(view, "run-1").mark,
    )  # fmt: skip
    FAULT.inject(drill.fault, drill, items, ctx)  # type: ignore[arg-type]
    return journal


def test_a_regions_nodes_are_cordoned_in_parallel_before_any_eviction(
    tmp_path: Path,
) -> None:
    """40 nodes: cordons overlap (bounded by MAX_PARALLEL_NODES), every node is marked before
    its cordon and journalled (intent) before it, and no pod is evicted before the last cordon,
    so no evicted pod can land on a node the drain empties next."""
    world = FakeWorld()
    us = _region(world)
    most = slow_cordons(us, 0.01)
    journal = _inject(world, tmp_path)
    assert all(us.nodes.values()) and not us.pods
    assert 2 <= most[0] <= MAX_PARALLEL_NODES
    calls = us.mutations()
    cordons = [i for i, c in enumerate(calls) if c[0] == "set_unschedulable"]
    evictions = [i for i, c in enumerate(calls) if c[0] == "evict"]
    assert len(cordons) == NODES and len(evictions) == 2 * NODES
    assert max(cordons) < min(evictions)
    for i in range(1, NODES + 1):
        node = f"us-node-{i}"
        mark = next(k for k, c in enumerate(calls) if c[0] == "annotate" and c[3] == node)
        cordon = next(k for k, c in enumerate(calls) if c[:2] == ("set_unschedulable", node))
        assert mark < cordon
    intents = [r.item for r in journal.records() if isinstance(r, Intent) and r.action == "cordon"]
    assert sorted(intents) == sorted(f"us/node/us-node-{i} spec.unschedulable"
                                     for i in range(1, NODES + 1))  # fmt: skip


def test_a_failed_cordon_stops_the_cordons_not_started_and_evicts_nothing(
    tmp_path: Path,
) -> None:
    """One node's cordon fails: the error reaches the runner (which restores), the nodes not yet
    started are left alone, and not a single pod is evicted."""
    world = FakeWorld()
    us = _region(world)
    real = us.set_unschedulable

    def set_unschedulable(name: str, value: bool) -> None:
        if name == "us-node-1":
            raise TransientAdapterError("cordon node us-node-1 failed (503): down", status=503)
        time.sleep(0.01)
        real(name, value)

    us.set_unschedulable = set_unschedulable  # type: ignore[method-assign]
    with pytest.raises(TransientAdapterError):
        _inject(world, tmp_path)
    assert not any(c[0] == "evict" for c in us.calls)
    assert sum(us.nodes.values()) < NODES - 1
