"""Controller pauses carry the run's markers on the fakes: written before the pause, removed by
a normal restore, found and undone by a scan with no journal (KEDA in the target's cluster, an
Argo CD Application in its own cluster); and a new run's refusal names the restore command
before anything else, even when the killed run left the target down."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import WorkloadState
from drillkit.core.markers import ORIGINAL, RUN, Marker, marker_annotations
from drillkit.engine import faults
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.faults.controllers import ARGOCD
from drillkit.engine.journal import Journal
from drillkit.engine.markers import MarkerWriter, scan
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import SnapshotTaken
from drillkit.engine.runs import RunStore
from drillkit.engine.scanrestore import restore_from_markers
from drillkit.errors import PermanentAdapterError, PreflightRefused
from tests.engine.fakes import FakeCluster, FakeWorld, make_drill
from tests.engine.test_runner import run

WEB = "/apis/apps/v1/namespaces/shop/deployments/web"
SO = "/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects"
APP = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop"
PAUSED = "autoscaling.keda.sh/paused-replicas"
SCALE_DOWN = {"type": "scale-down", "namespace": "shop", "selector": "app=web"}
ARGO = {"policy": "pause", "argocd": {"kubeContext": "mgmt"}}
RUN_ID = "20261201T0400Z-us-outage-dead01"


def _world(*, keda: bool = False, tracked: bool = False) -> FakeWorld:
    world = FakeWorld()
    us = world.clusters["us"]
    us.workloads["Deployment/shop/web"] = WorkloadState("Deployment", "shop", "web", 3, 3)
    annotations = {"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"}
    us.objects[WEB] = {
        "metadata": {"name": "web", "namespace": "shop", "annotations": annotations if tracked
                     else {}}
    }  # fmt: skip
    if keda:
        so = {"metadata": {"name": "web", "namespace": "shop"},
              "spec": {"scaleTargetRef": {"name": "web"}}}  # fmt: skip
        us.objects[SO] = {"items": [so]}
        us.objects[f"{SO}/web"] = so
    return world


def _argocd(world: FakeWorld) -> FakeCluster:
    """Argo CD's own cluster, holding Application argocd/shop with selfHeal on."""
    mgmt = FakeCluster(world, "mgmt")
    mgmt.objects[APP] = {
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"syncPolicy": {"automated": {"selfHeal": True}}},
    }
    return mgmt


def _inject_and_die(
    fault_spec: Any, world: World, journal: Journal, *, kinds: tuple[str, ...] = ()
) -> None:
    """Snapshot and inject (only items of ``kinds``, if given) with the run's markers, then no
    restore: the run is killed."""
    drill = make_drill(fault=fault_spec)
    fault = faults.fault_type(drill.fault)
    items = fault.snapshot(drill.fault, drill, world)
    journal.append(SnapshotTaken(items=tuple(items)))
    mark = MarkerWriter(world, RUN_ID).mark
    ctx = FaultContext(world, Mutator(journal), SystemClock(), threading.Event(), mark=mark)
    changed = [i for i in items if i.mutable and (not kinds or i.kind in kinds)]
    fault.inject(drill.fault, drill, changed, ctx)


def _annotations(objects: FakeCluster, path: str) -> dict[str, str]:
    return dict(objects.objects[path]["metadata"].get("annotations") or {})


def test_a_keda_pause_is_marked_first_and_a_scan_undoes_it(tmp_path: Path) -> None:
    """The ScaledObject gets drillkit.dev/run and drillkit.dev/original (original absent,
    written "0") before the paused-replicas annotation; with the journal gone, a scan restores
    web to 3, removes the pause and the markers, and a second scan finds nothing."""
    fakes = _world(keda=True)
    us = fakes.clusters["us"]
    world = World(fakes.clusters, fakes.tm)
    with RunStore(tmp_path / "dead").create("r", SystemClock()) as journal:
        _inject_and_die({**SCALE_DOWN, "controllers": "pause"}, world, journal)
    annotations = _annotations(us, f"{SO}/web")
    assert annotations[RUN] == RUN_ID and annotations[PAUSED] == "0"
    original = json.loads(annotations[ORIGINAL])
    assert (original["kind"], original["original"], original["written"]) == (
        "controller-pause", None, "0")  # fmt: skip
    patches = [c[2]["metadata"]["annotations"] for c in us.calls if c[0] == "patch"]
    assert list(patches[0]) == [RUN, ORIGINAL] and list(patches[1]) == [PAUSED]

    found = scan(world, {"us": "ctx-us", "eu": "ctx-eu"}, profiles=False)
    assert "ctx-us/ScaledObject/shop/web" in {f.where for f in found}
    with Journal(tmp_path / "scan" / "journal.jsonl", SystemClock()) as journal:
        found, checks = restore_from_markers(world, {}, journal, SystemClock(), profiles=False)
    assert {c.outcome.value for c in checks} == {"restored"}, checks
    assert _annotations(us, f"{SO}/web") == {}
    assert us.workloads["Deployment/shop/web"].replicas == 3
    assert scan(world, {}, profiles=False) == []


@pytest.mark.parametrize("via", ["argocd-context", "scanned-context"])
def test_an_argo_cd_pause_in_its_own_cluster_is_marked_and_undone_by_a_scan(
    tmp_path: Path, via: str
) -> None:
    """The Application in Argo CD's cluster carries the markers; a scan finds it there (as the
    drill's argocd context, or as one more scanned --context) and turns selfHeal back on."""
    fakes = _world(tracked=True)
    mgmt = _argocd(fakes)
    world = World(fakes.clusters, fakes.tm, argocd=mgmt)
    with RunStore(tmp_path / "dead").create("r", SystemClock()) as journal:
        _inject_and_die({**SCALE_DOWN, "controllers": ARGO}, world, journal)
    assert _annotations(mgmt, APP)[RUN] == RUN_ID
    assert mgmt.objects[APP]["spec"]["syncPolicy"]["automated"]["selfHeal"] is False

    if via == "argocd-context":
        scanned, names = world, {ARGOCD: "mgmt"}
    else:
        scanned, names = World({**fakes.clusters, "mgmt": mgmt}, fakes.tm), {"mgmt": "mgmt"}
    found = scan(scanned, names, profiles=False)
    assert "mgmt/Application/argocd/shop" in {f.where for f in found}
    with Journal(tmp_path / "scan" / "journal.jsonl", SystemClock()) as journal:
        _, checks = restore_from_markers(scanned, names, journal, SystemClock(), profiles=False)
    assert {c.outcome.value for c in checks} == {"restored"}, checks
    assert mgmt.objects[APP]["spec"]["syncPolicy"]["automated"]["selfHeal"] is True
    assert _annotations(mgmt, APP) == {}
    assert scan(scanned, names, profiles=False) == []


def test_a_normal_run_marks_the_pause_and_its_restore_removes_the_markers(
    tmp_path: Path,
) -> None:
    """A whole run on the fakes with controllers: pause writes the markers on the ScaledObject
    and leaves it, after restore, with no pause and no marker."""
    fakes = _world(keda=True)
    us = fakes.clusters["us"]
    run(fakes, tmp_path, make_drill(fault={**SCALE_DOWN, "controllers": "pause"}))
    marked = [c for c in us.calls if c[0] == "patch" and RUN in str(c[2])]
    assert marked and marked[0][2]["metadata"]["annotations"][RUN]  # written, then cleared
    assert marked[-1][2]["metadata"]["annotations"][RUN] is None
    assert _annotations(us, f"{SO}/web") == {}
    assert us.workloads["Deployment/shop/web"].replicas == 3


def test_markers_are_refused_first_even_when_the_target_is_down(tmp_path: Path) -> None:
    """A killed run leaves markers and a Degraded target: the refusal's first line names
    ``drillkit restore RUN`` and ``restore --scan``; the serving problem comes after it."""
    fakes = FakeWorld()
    us = fakes.clusters["us"]
    for node in list(us.nodes):  # a drain killed mid-drill: every node cordoned and marked
        marker = Marker(RUN_ID, f"us/node/{node} spec.unschedulable", "node", "us",
                        {"name": node}, False, True)  # fmt: skip
        us.annotate("Node", "", node, marker_annotations(marker))
        us.nodes[node] = True
    us.pods = {k: p for k, p in us.pods.items() if p.owner_kind != "ReplicaSet"}
    assert fakes.tm.design().endpoints[0].monitor_status == "Degraded"
    with pytest.raises(PreflightRefused) as refused:
        run(fakes, tmp_path)
    lines = str(refused.value).splitlines()
    assert f"`drillkit restore {RUN_ID}`" in lines[1]
    assert "restore --scan" in lines[1]
    assert any("the target us is not serving now" in line for line in lines[2:])
    assert us.mutations() == [("annotate", "Node", "", n, (ORIGINAL, RUN)) for n in us.nodes]


def test_a_run_killed_right_after_a_pause_refuses_the_next_run(tmp_path: Path) -> None:
    """Killed after the KEDA pause and before its scale-down, a run leaves only the
    ScaledObject's marker: the next run still refuses (exit 3), naming that object, its run and
    the restore commands, and changes nothing."""
    fakes = _world(keda=True)
    us = fakes.clusters["us"]
    with RunStore(tmp_path / "dead").create("r", SystemClock()) as journal:
        _inject_and_die({**SCALE_DOWN, "controllers": "pause"}, World(fakes.clusters, fakes.tm),
                        journal, kinds=("controller-pause",))  # fmt: skip
    assert us.workloads["Deployment/shop/web"].replicas == 3
    us.calls.clear()
    with pytest.raises(PreflightRefused) as refused:
        run(fakes, tmp_path / "next", make_drill(fault={**SCALE_DOWN, "controllers": "pause"}))
    first = str(refused.value).splitlines()[1]
    assert f"us/ScaledObject/shop/web carries the markers of run {RUN_ID}" in first, first
    assert f"`drillkit restore {RUN_ID}`" in first and "restore --scan" in first
    assert us.mutations() == []


@pytest.mark.parametrize(("status", "skipped"), [(403, True), (404, True), (500, False)])
def test_a_kind_the_cluster_cannot_list_is_skipped_but_an_outage_is_not(
    status: int, skipped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A controller kind drillkit may not list (403) or the cluster does not serve (404) is
    left out of the scan, and the other markers are still found; any other error is raised."""
    fakes = FakeWorld()
    us = fakes.clusters["us"]
    marker = Marker(RUN_ID, "us/node/us-node-1 spec.unschedulable", "node", "us",
                    {"name": "us-node-1"}, False, True)  # fmt: skip
    us.annotate("Node", "", "us-node-1", marker_annotations(marker))
    real = us.get

    def get(path: str) -> dict[str, Any] | None:
        if path.endswith("/scaledobjects"):
            raise PermanentAdapterError(f"list {path} failed ({status})", status=status)
        return real(path)

    monkeypatch.setattr(us, "get", get)
    world = World(fakes.clusters, fakes.tm)
    if skipped:
        assert [f.where for f in scan(world, {}, profiles=False)] == ["us/Node/us-node-1"]
    else:
        with pytest.raises(PermanentAdapterError):
            scan(world, {}, profiles=False)
