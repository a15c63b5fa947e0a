"""Keeping the fault in force on the fakes: reverts named from managedFields or ARM's
systemData (abort or reassert), nodes that join the drain cordoned and later uncordoned,
controllers refused or paused at snapshot and resumed by restore."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import WorkloadState
from drillkit.engine import faults
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.hold import FaultNotHeld, Holder
from drillkit.engine.journal import Journal
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Held, SnapshotTaken, read_journal
from drillkit.engine.restore import restore
from drillkit.engine.runs import RunStore
from drillkit.errors import PreflightRefused
from tests.engine.fakes import FakeWorld, make_drill

WEB = "/apis/apps/v1/namespaces/shop/deployments/web"
SO = "/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects"
SCALE_DOWN = {"type": "scale-down", "namespace": "shop", "selector": "app=web"}


def _world(annotations: dict[str, str] | None = None) -> FakeWorld:
    world = FakeWorld()
    us = world.clusters["us"]
    us.workloads["Deployment/shop/web"] = WorkloadState("Deployment", "shop", "web", 3, 3)
    us.objects[WEB] = {
        "metadata": {"name": "web", "namespace": "shop", "annotations": annotations or {}}
    }
    return world


def _revert(world: FakeWorld, manager: str) -> None:
    """A controller scales web back to 3 and managedFields name it."""
    us = world.clusters["us"]
    us.workloads["Deployment/shop/web"] = WorkloadState("Deployment", "shop", "web", 3, 3)
    us.objects[WEB]["metadata"]["managedFields"] = [
        {
            "manager": manager,
            "operation": "Update",
            "subresource": "scale",
            "time": "2026-11-30T22:00:00Z",
            "fieldsV1": {"f:spec": {"f:replicas": {}}},
        }
    ]


def _holder(fault_spec: dict[str, Any], world: FakeWorld, journal: Journal) -> Holder:
    drill = make_drill(fault=fault_spec)
    fault = faults.fault_type(drill.fault)
    view = World(world.clusters, world.tm)
    items = fault.snapshot(drill.fault, drill, view)
    journal.append(SnapshotTaken(items=tuple(items)))
    changed = [i for i in items if i.mutable]
    ctx = FaultContext(view, Mutator(journal), SystemClock(), threading.Event())
    fault.inject(drill.fault, drill, changed, ctx)
    return Holder(drill, fault, list(changed), ctx, journal, 0.01)


def test_a_revert_stops_the_drill_naming_the_writer(tmp_path: Path) -> None:
    """onRevert abort: the check raises "fault did not hold" naming the field manager."""
    world = _world()
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder(SCALE_DOWN, world, journal)
        holder.check()  # held: nothing happens
        _revert(world, "keda-operator")
        with pytest.raises(FaultNotHeld, match="fault did not hold") as caught:
            holder.check()
    assert "keda-operator (Update through /scale) at 2026-11-30T22:00:00Z" in str(caught.value)
    [held] = [r for r in read_journal(journal.path) if isinstance(r, Held)]
    assert (held.event, held.value, held.by) == (
        "reverted",
        3,
        "keda-operator (Update through /scale) at 2026-11-30T22:00:00Z",
    )


def test_reassert_writes_the_fault_again_and_counts(tmp_path: Path) -> None:
    """onRevert reassert: web goes back to 0 and each revert is counted and journalled."""
    world = _world()
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder({**SCALE_DOWN, "onRevert": "reassert"}, world, journal)
        for _ in range(2):
            _revert(world, "argocd-application-controller")
            holder.check()
    assert world.clusters["us"].workloads["Deployment/shop/web"].replicas == 0
    assert holder.reverts == 2
    events = [r.event for r in read_journal(journal.path) if isinstance(r, Held)]
    assert events == ["reasserted", "reasserted"]


def test_a_node_that_joins_the_drain_is_cordoned_and_restore_uncordons_it(
    tmp_path: Path,
) -> None:
    """A node added mid-drill is journalled as joined, cordoned, and uncordoned by restore."""
    world = _world()
    us = world.clusters["us"]
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder({"type": "drain", "onBlocked": "delete"}, world, journal)
        us.nodes["us-node-4"] = False  # the cluster autoscaler's
        holder.check()
        assert us.nodes["us-node-4"] is True
        records = read_journal(journal.path)
        joined = [r for r in records if isinstance(r, Held) and r.event == "joined"]
        assert [h.what for h in joined] == ["us/node/us-node-4 spec.unschedulable"]
        restore(records, World(world.clusters, world.tm), journal)
    assert us.nodes == {f"us-node-{i}": False for i in range(1, 5)}


def test_default_policy_refuses_a_tracked_workload() -> None:
    """An Argo CD tracking annotation refuses the snapshot with the way to pause it."""
    world = _world({"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"})
    drill = make_drill(fault=SCALE_DOWN)
    fault = faults.fault_type(drill.fault)
    with pytest.raises(PreflightRefused, match="Argo CD Application argocd/shop") as caught:
        fault.snapshot(drill.fault, drill, World(world.clusters, world.tm))
    assert "selfHeal: false" in str(caught.value)
    assert world.clusters["us"].mutations() == []


def test_pause_is_journalled_before_the_scale_down_and_undone_by_restore(tmp_path: Path) -> None:
    """controllers: pause annotates the ScaledObject first; restore scales back, then removes it."""
    world = _world()
    us = world.clusters["us"]
    so = {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"name": "web"}},
    }
    us.objects[SO] = {"items": [so]}
    us.objects[f"{SO}/web"] = so
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        _holder({**SCALE_DOWN, "controllers": "pause"}, world, journal)
        annotations = us.objects[f"{SO}/web"]["metadata"]["annotations"]
        assert annotations == {"autoscaling.keda.sh/paused-replicas": "0"}
        restore(read_journal(journal.path), World(world.clusters, world.tm), journal)
    assert not us.objects[f"{SO}/web"]["metadata"].get("annotations")
    assert us.workloads["Deployment/shop/web"].replicas == 3
    patches = [c for c in us.calls if c[0] in ("patch", "set_replicas")]
    assert [c[0] for c in patches] == ["patch", "set_replicas", "set_replicas", "patch"]


def test_pausing_argo_cd_without_its_cluster_refuses_with_guidance() -> None:
    """controllers: pause with no reachable Argo CD cluster refuses, naming the setting."""
    world = _world({"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"})
    drill = make_drill(fault={**SCALE_DOWN, "controllers": "pause"})
    fault = faults.fault_type(drill.fault)
    with pytest.raises(PreflightRefused, match=r"fault\.controllers\.argocd\.kubeContext"):
        fault.snapshot(drill.fault, drill, World(world.clusters, world.tm))
    unreachable = World(world.clusters, world.tm, argocd_error="context 'mgmt' not found")
    drill = make_drill(
        fault={**SCALE_DOWN, "controllers": {"policy": "pause", "argocd": {"kubeContext": "mgmt"}}}
    )
    with pytest.raises(PreflightRefused, match="context 'mgmt' not found"):
        fault.snapshot(drill.fault, drill, unreachable)
    assert world.clusters["us"].mutations() == []


DISABLE = {"type": "disable-endpoint"}
ALICE = "alice@contoso.com (User)"


def _reenable(world: FakeWorld, who: str) -> None:
    """Someone sets the us endpoint back to Enabled; ARM's systemData names them."""
    # "lastModifiedBy: Gets or sets the identity that last modified the resource."
    # (https://learn.microsoft.com/en-us/javascript/api/@azure/arm-recoveryservicesdatareplication/systemdatamodel)
    world.tm.disabled.discard("us")
    world.tm.modified_by["us"] = who


def test_a_re_enabled_endpoint_stops_the_drill_naming_who(tmp_path: Path) -> None:
    """onRevert abort: an endpoint re-enabled mid-drill stops the drill naming ARM's writer."""
    world = _world()
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder(DISABLE, world, journal)
        holder.check()  # held: nothing happens
        _reenable(world, ALICE)
        with pytest.raises(FaultNotHeld, match="fault did not hold") as caught:
            holder.check()
    went_back = "tm/myapp-child/ExternalEndpoints/us endpointStatus went back to Enabled"
    assert f"{went_back}, written by {ALICE}" in str(caught.value)
    assert "set fault.onRevert: reassert" in str(caught.value)
    [held] = [r for r in read_journal(journal.path) if isinstance(r, Held)]
    assert (held.event, held.value, held.by) == ("reverted", "Enabled", ALICE)


def test_a_re_enable_arm_does_not_attribute_points_to_the_activity_log(tmp_path: Path) -> None:
    """Where ARM returns no systemData, the stop says so and points to the activity log."""
    world = _world()
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder(DISABLE, world, journal)
        world.tm.disabled.discard("us")
        with pytest.raises(FaultNotHeld) as caught:
            holder.check()
    assert "ARM's systemData does not name (the Azure activity log does)" in str(caught.value)


def test_reassert_disables_a_re_enabled_endpoint_again_and_counts(tmp_path: Path) -> None:
    """onRevert reassert: the endpoint is disabled again, each revert counted with its writer."""
    world = _world()
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder({**DISABLE, "onRevert": "reassert"}, world, journal)
        for _ in range(2):
            _reenable(world, ALICE)
            holder.check()
    assert world.tm.disabled == {"us"}
    assert holder.reverts == 2
    held = [(r.event, r.by) for r in read_journal(journal.path) if isinstance(r, Held)]
    assert held == [("reasserted", ALICE), ("reasserted", ALICE)]


def test_an_uncordoned_node_stops_the_drain_naming_who(tmp_path: Path) -> None:
    """onRevert abort: a drained node uncordoned mid-drill stops the drill naming its writer."""
    world = _world()
    us = world.clusters["us"]
    node = "/api/v1/nodes/us-node-2"
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        holder = _holder({"type": "drain", "onBlocked": "delete"}, world, journal)
        holder.check()
        us.nodes["us-node-2"] = False  # kubectl uncordon
        us.objects[node] = {
            "metadata": {
                "name": "us-node-2",
                "managedFields": [
                    {
                        "manager": "kubectl-cordon",
                        "operation": "Update",
                        "time": "2026-11-30T22:05:00Z",
                        "fieldsV1": {"f:spec": {"f:unschedulable": {}}},
                    }
                ],
            }
        }
        with pytest.raises(FaultNotHeld, match="fault did not hold") as caught:
            holder.check()
    assert "us/node/us-node-2 spec.unschedulable went back to false" in str(caught.value)
    assert "kubectl-cordon (Update) at 2026-11-30T22:05:00Z" in str(caught.value)
    [held] = [r for r in read_journal(journal.path) if isinstance(r, Held)]
    assert (held.event, held.value) == ("reverted", False)
