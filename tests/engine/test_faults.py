"""The fault registry: every fault type snapshots, injects, holds and undoes its own items, and
restore puts back what was changed and deletes what was created."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import AccessCheck, HpaState, WorkloadState
from drillkit.core.faults import FaultText
from drillkit.core.timeline import RestoreOutcome
from drillkit.engine import faults
from drillkit.engine.faults import FAULT_TYPES, FaultContext, Preview, RequiredAccess, World
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Intent, Item, JsonScalar, SnapshotTaken, read_journal
from drillkit.engine.restore import restore
from drillkit.engine.runs import RunStore
from drillkit.spec.model import Drill
from tests.engine.fakes import FakeWorld, make_drill

DRILLS = {
    "drain": {"type": "drain", "onBlocked": "delete"},
    "scale-down": {"type": "scale-down", "namespace": "shop", "selector": "app=web"},
    "disable-endpoint": {"type": "disable-endpoint"},
}


def _world() -> FakeWorld:
    world = FakeWorld()
    us = world.clusters["us"]
    us.workloads["Deployment/shop/web"] = WorkloadState("Deployment", "shop", "web", 3, 3)
    us.hpas.append(HpaState("shop", "web", "Deployment", "web", 2, 6))
    return world


def test_item_kinds_are_owned_by_exactly_one_fault_type() -> None:
    """No two fault types claim the same item kind, so restore always finds one owner."""
    kinds = [kind for f in FAULT_TYPES for kind in f.item_kinds]
    assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize("name", list(DRILLS))
def test_inject_holds_and_undo_releases(name: str, tmp_path: Path) -> None:
    """Each fault's items are held after inject (journalled as intents) and released by undo."""
    world = _world()
    drill = make_drill(fault=DRILLS[name])
    fault = faults.fault_type(drill.fault)
    view = World(world.clusters, world.tm)
    items = fault.snapshot(drill.fault, drill, view)
    changed = [i for i in items if i.mutable]
    assert changed and all(fault.read(i, view) == i.value for i in changed)
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        ctx = FaultContext(view, Mutator(journal), SystemClock(), threading.Event())
        fault.inject(drill.fault, drill, changed, ctx)
    assert ctx.injected_at is not None
    assert all(fault.hold(i, view) for i in changed)
    intents = {r.item for r in read_journal(journal.path) if isinstance(r, Intent) and r.item}
    assert intents == {i.what for i in changed}
    for item in changed:
        fault.undo(item, view)
    assert not any(fault.hold(i, view) for i in changed)
    assert all(fault.read(i, view) == i.value for i in changed)


def test_scale_down_records_hpa_bounds_but_never_changes_them() -> None:
    """The HPA's bounds are a read-only item: recorded, held trivially, never undone."""
    world = _world()
    drill = make_drill(fault=DRILLS["scale-down"])
    view = World(world.clusters, world.tm)
    items = faults.fault_type(drill.fault).snapshot(drill.fault, drill, view)
    (hpa,) = [i for i in items if i.kind == "hpa"]
    assert (hpa.value, hpa.mutable) == ("2..6", False)


def test_drain_access_is_exact() -> None:
    """A drain needs to list, get and patch nodes, list pods and evict; delete only when
    onBlocked is delete; and nothing in Azure."""
    drill = make_drill(fault={"type": "drain", "onBlocked": "abort"})
    access = faults.fault_type(drill.fault).required_access(drill.fault, drill)
    assert {str(c) for c in access.kube} == {
        "list nodes", "get nodes", "patch nodes", "list pods", "create pods/eviction",
    }  # fmt: skip
    assert access.azure == ()
    deleting = make_drill(fault=DRILLS["drain"])
    access = faults.fault_type(deleting.fault).required_access(deleting.fault, deleting)
    assert "delete pods" in {str(c) for c in access.kube}


def test_disable_endpoint_access_is_azure_only() -> None:
    """disable-endpoint needs no Kubernetes verb, and the endpoint write actions in Azure."""
    drill = make_drill(fault=DRILLS["disable-endpoint"])
    access = faults.fault_type(drill.fault).required_access(drill.fault, drill)
    assert access.kube == ()
    assert "Microsoft.Network/trafficManagerProfiles/externalEndpoints/write" in access.azure


class _Annotation:
    """A fault that creates an annotation: its item did not exist before the drill."""

    item_kinds = frozenset({"annotation"})

    def __init__(self) -> None:
        self.present: set[str] = set()

    def describe(self, fault: Any, drill: Drill) -> FaultText:
        return FaultText("annotate", "Annotate.", (), ())

    def required_access(self, fault: Any, drill: Drill) -> RequiredAccess:
        return RequiredAccess(kube=(AccessCheck("patch", "namespaces"),))

    def preview(self, fault: Any, drill: Drill, world: World) -> Preview:
        return Preview()

    def snapshot(self, fault: Any, drill: Drill, world: World) -> list[Item]:
        return [Item("us/ns/shop drill-annotation", "annotation", "us", {"name": "shop"}, None,
                     created=True)]  # fmt: skip

    def inject(self, fault: Any, drill: Drill, items: Sequence[Item], ctx: FaultContext) -> None:
        for item in items:
            ctx.change(item, "annotate", "on", partial(self.present.add, item.what))

    def read(self, item: Item, world: World) -> JsonScalar:
        return "on" if item.what in self.present else None

    def hold(self, item: Item, world: World) -> bool:
        return item.what in self.present

    def undo(self, item: Item, world: World) -> None:
        self.present.discard(item.what)


def test_restore_deletes_a_created_item_and_calls_absent_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item the drill created is undone by deleting it; absent afterwards is RESTORED (not
    FAILED for reading back nothing), and a second restore only checks."""
    fault = _Annotation()
    monkeypatch.setitem(faults._BY_ITEM_KIND, "annotation", fault)
    world = _world()
    view = World(world.clusters, world.tm)
    drill = make_drill()
    items = fault.snapshot(None, drill, view)
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        journal.append(SnapshotTaken(items=tuple(items)))
        fault.inject(None, drill, items, FaultContext(view, Mutator(journal), SystemClock()))
        assert fault.present == {"us/ns/shop drill-annotation"}
        (check,) = restore(journal.records(), view, journal)
        assert fault.present == set()
        assert (check.outcome, check.expected, check.actual) == (
            RestoreOutcome.RESTORED, "(absent)", "(absent)",
        )  # fmt: skip
        (again,) = restore(journal.records(), view, journal)
        assert again.outcome is RestoreOutcome.RESTORED
