"""The manual fault on the fakes: drillkit changes nothing, waits for a person's first change,
journals every change with who made it, and restore puts back exactly what changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import WorkloadState
from drillkit.core.verdict import Outcome
from drillkit.engine import faults
from drillkit.engine.conclusion import RunResult
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.hold import Holder
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Intent, Mark, SnapshotTaken, read_journal
from drillkit.engine.recovery import adapters_needed
from drillkit.engine.runner import Runner, RunOptions
from drillkit.engine.runs import RunStore
from drillkit.spec.model import Drill
from tests.engine.fakes import FakeWorld, make_drill, wait_until

MANUAL = {
    "type": "manual",
    "instructions": "Disable the us endpoint of myapp-child (runbook: Disable the endpoint)",
    "namespace": "shop",
}


def _world() -> FakeWorld:
    world = FakeWorld()
    for region in ("us", "eu"):
        world.clusters[region].workloads["Deployment/shop/web"] = WorkloadState(
            "Deployment", "shop", "web", 3, 3
        )
    return world


def _run_with_person(
    world: FakeWorld, tmp_path: Path, act: Callable[[], None] | None, **drill: Any
) -> RunResult:
    """Run a manual drill; once the snapshot is journalled, ``act`` plays the person."""
    options = RunOptions(
        drill=make_drill(fault={**MANUAL, **drill.pop("fault", {})}, **drill),
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
        run_by="tester@host",
    )
    runner = Runner(options, world.connections())

    def person() -> None:
        if wait_until(lambda: any(isinstance(r, SnapshotTaken) for r in runner.journal.records())):
            threading.Event().wait(0.05)
            assert act is not None
            act()

    thread = threading.Thread(target=person, daemon=True)
    if act is not None:
        thread.start()
    result = runner.run()
    if act is not None:
        thread.join(5)
    return result


def test_a_person_disabling_the_endpoint_is_the_fault_and_is_put_back(
    tmp_path: Path,
) -> None:
    """The person's endpoint disable is journalled as the fault, measured, and re-enabled."""
    world = _world()
    world.tm.modified_by["us"] = "alice@contoso.com (User)"
    result = _run_with_person(
        world, tmp_path, lambda: world.tm.set_endpoint_status("myapp-child", "x", "us", "Disabled")
    )
    records = read_journal(result.journal_path)
    (human,) = [r for r in records if isinstance(r, Intent)]
    assert human.action == "human-change"
    assert human.item == "tm/myapp-child/ExternalEndpoints/us endpointStatus"
    assert (human.value, human.reason) == ("Disabled", "changed by alice@contoso.com (User)")
    assert [c for c in world.tm.calls if c[0] == "set_endpoint_status"] == [
        ("set_endpoint_status", "us", "Disabled"),  # the person
        ("set_endpoint_status", "us", "Enabled"),  # restore
    ]
    (mark,) = [r for r in records if isinstance(r, Mark) and r.name == "fault_injected"]
    assert mark.at is not None and mark.at <= human.wall, "the middle of the bracket: earlier"
    assert result.report.verdict.outcome is Outcome.PASS, result.report.verdict.reason
    assert result.report.metrics.rto is not None
    timeline = result.report.human
    assert timeline is not None and timeline.time_to_act_s is not None
    assert timeline.time_to_act_s > 0
    assert [s.event for s in timeline.steps] == ["first action", "traffic moved"]
    assert [c.what for c in result.restore_checks] == [human.item]


def test_a_person_scaling_the_workload_is_put_back_and_named(tmp_path: Path) -> None:
    """A scale to 0 by someone is restored to 3 replicas and named from managedFields."""
    world = _world()
    us = world.clusters["us"]
    us.objects["/apis/apps/v1/namespaces/shop/deployments/web"] = {
        "metadata": {
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Update",
                    "subresource": "scale",
                    "time": "2026-12-01T01:00:00Z",
                    "fieldsV1": {"f:spec": {"f:replicas": {}}},
                }
            ]
        }
    }
    result = _run_with_person(
        world, tmp_path, lambda: us.set_replicas("Deployment", "shop", "web", 0)
    )
    (human,) = [r for r in read_journal(result.journal_path) if isinstance(r, Intent)]
    assert human.item == "us/deployment/shop/web replicas" and human.value == 0
    assert human.reason is not None and "kubectl (Update through /scale)" in human.reason
    assert us.workloads["Deployment/shop/web"].replicas == 3
    assert result.report.verdict.outcome is Outcome.PASS, result.report.verdict.reason


def test_nobody_acting_ends_the_drill_with_nothing_changed(tmp_path: Path) -> None:
    """With no change within abort.maxDuration, the verdict says nobody acted; nothing moved."""
    world = _world()
    result = _run_with_person(world, tmp_path, None, abort={"maxDuration": "300ms"})
    verdict = result.report.verdict
    assert verdict.outcome is Outcome.ABORTED
    assert "nobody acted" in verdict.reason and "nothing was changed" in verdict.reason
    assert result.restore_checks == []
    for cluster in world.clusters.values():
        assert {c[0] for c in cluster.mutations()} <= {"put_lease", "delete_lease", "close"}
    assert world.tm.calls == []


def test_a_sick_survivor_stops_the_wait_with_nothing_changed(tmp_path: Path) -> None:
    """While drillkit waits for the person, the usual abort checks run: a survivor that fails
    its HTTP check ends the drill, nothing changed."""
    world = _world()
    result = _run_with_person(world, tmp_path, lambda: world.sick.add("eu"))
    verdict = result.report.verdict
    assert verdict.outcome is Outcome.ABORTED
    assert "survivor eu failed its HTTP check" in verdict.reason
    assert result.restore_checks == [] and world.tm.calls == []


def test_a_change_outside_the_snapshot_is_left_alone(tmp_path: Path) -> None:
    """A survivor's node cordoned during the drill is not watched, so restore never touches it."""
    world = _world()
    eu = world.clusters["eu"]

    def act() -> None:
        eu.nodes["eu-node-3"] = True  # outside the snapshot: a survivor's node
        world.tm.set_endpoint_status("myapp-child", "x", "us", "Disabled")

    result = _run_with_person(world, tmp_path, act)
    assert eu.nodes["eu-node-3"] is True
    assert not any("eu-node-3" in c.what for c in result.restore_checks)
    assert "set_unschedulable" not in {c[0] for c in eu.calls}


def test_a_survivor_scaled_up_by_the_runbook_is_scaled_back(tmp_path: Path) -> None:
    """The person disables the endpoint and scales the survivor up to absorb the traffic:
    restore puts both back."""
    world = _world()
    eu = world.clusters["eu"]

    def act() -> None:
        world.tm.set_endpoint_status("myapp-child", "x", "us", "Disabled")
        eu.set_replicas("Deployment", "shop", "web", 6)

    result = _run_with_person(world, tmp_path, act)
    assert eu.workloads["Deployment/shop/web"].replicas == 3
    assert "eu/deployment/shop/web replicas" in {c.what for c in result.restore_checks}


def test_a_disabled_profile_is_enabled_again(tmp_path: Path) -> None:
    """A person who disables a whole profile gets it put back by profileStatus."""
    world = _world()

    def act() -> None:
        world.tm.set_endpoint_status("myapp-child", "x", "us", "Disabled")
        world.tm.profile_status = "Disabled"

    _run_with_person(world, tmp_path, act)
    assert world.tm.profile_status == "Enabled"
    assert ("set_profile_status", "myapp-child", "Enabled") in world.tm.calls


def test_the_holder_journals_each_later_change(tmp_path: Path) -> None:
    """After the first change, each later one is journalled by the holder's watch, with who."""
    world = _world()
    drill = make_drill(fault=MANUAL)
    fault = faults.fault_type(drill.fault)
    view = World(world.clusters, world.tm)
    items = fault.snapshot(drill.fault, drill, view)
    world.tm.set_endpoint_status("myapp-child", "x", "us", "Disabled")
    with RunStore(tmp_path).create("r", SystemClock()) as journal:
        ctx = FaultContext(view, Mutator(journal), SystemClock(), threading.Event())
        fault.inject(drill.fault, drill, items, ctx)
        world.clusters["us"].nodes["us-node-2"] = True
        Holder(drill, fault, list(items), ctx, journal, 0.01).check()
        Holder(drill, fault, list(items), ctx, journal, 0.01).check()  # nothing new: no record
    intents = [(r.item, r.value) for r in read_journal(journal.path) if isinstance(r, Intent)]
    assert intents == [
        ("tm/myapp-child/ExternalEndpoints/us endpointStatus", "Disabled"),
        ("us/node/us-node-2 spec.unschedulable", True),
    ]


def test_required_access_reads_and_writes_what_restore_needs() -> None:
    """Manual needs no verb that injects (no evictions), but patch rights for restore: nodes
    and /scale in the target, /scale in the survivors."""
    drill: Drill = make_drill(fault=MANUAL)
    access = faults.fault_type(drill.fault).required_access(drill.fault, drill)
    shown = {str(c) for c in access.kube}
    assert "patch nodes" in shown
    assert any("deployments/scale" in s and s.startswith("patch") for s in shown)
    assert not any("eviction" in s or s.startswith("delete") for s in shown)
    survivors = {str(c) for c in access.survivors}
    assert "patch apps/deployments/scale in namespace shop" in survivors
    assert not any("nodes" in s for s in survivors)
    assert "Microsoft.Network/trafficManagerProfiles/externalEndpoints/write" in access.azure


def test_snapshot_covers_nodes_workloads_endpoints_and_profiles() -> None:
    """The snapshot holds every target node, the watched workloads of every region (a runbook
    may scale the survivor up), every endpoint and profile."""
    world = _world()
    drill = make_drill(fault=MANUAL)
    view = World(world.clusters, world.tm)
    items = faults.fault_type(drill.fault).snapshot(drill.fault, drill, view)
    kinds = sorted({i.kind for i in items})
    assert kinds == ["manual-endpoint", "manual-node", "manual-profile", "manual-workload"]
    assert {i.region for i in items if i.kind == "manual-node"} == {"us"}
    assert {i.region for i in items if i.kind == "manual-workload"} == {"us", "eu"}
    assert all(faults.owner_of(i) is faults.fault_type(drill.fault) for i in items)


def test_a_restore_of_a_manual_run_connects_traffic_manager() -> None:
    """A killed manual run's restore connects ARM (its snapshot holds endpoints and profiles),
    so a person's endpoint disable can be put back on real Azure too."""
    world = _world()
    drill = make_drill(fault=MANUAL)
    view = World(world.clusters, world.tm)
    items = faults.fault_type(drill.fault).snapshot(drill.fault, drill, view)
    assert adapters_needed([SnapshotTaken(items=tuple(items))]) == {"kube", "arm"}
