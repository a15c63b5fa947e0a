"""The drill lifecycle against fakes: inject, observe, restore, verdict, and every abort path."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from drillkit.core.plan import Phase, build_plan
from drillkit.core.verdict import Outcome
from drillkit.engine.conclusion import RunResult
from drillkit.engine.listener import Silent
from drillkit.engine.records import Intent, PhaseEntered, Result, SnapshotTaken, read_journal
from drillkit.engine.runner import Runner, RunOptions
from drillkit.errors import PreflightRefused
from drillkit.exitcodes import ExitCode
from drillkit.spec.model import Drill
from tests.engine.fakes import FakeWorld, make_drill, wait_until


def run(world: FakeWorld, tmp_path: Path, drill: Drill | None = None, **kw: Any) -> RunResult:
    options = RunOptions(
        drill=drill or make_drill(),
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
        run_by="tester@host",
        **kw,
    )
    return Runner(options, world.connections()).run()


def kinds(result: RunResult) -> list[str]:
    return [r.kind for r in read_journal(result.journal_path)]


def test_drain_drill_passes_and_restores_every_node(world: FakeWorld, tmp_path: Path) -> None:
    """A drain drill measures the failover, uncordons every node and passes."""
    result = run(world, tmp_path)
    assert result.report.verdict.outcome is Outcome.PASS, result.report.verdict.reason
    assert not any(world.clusters["us"].nodes.values())
    rto = result.report.metrics.rto
    assert rto is not None and rto.measured < 5
    assert {c.outcome.value for c in result.restore_checks} == {"restored"}


class _Phases(Silent):
    def __init__(self) -> None:
        self.seen: list[Phase] = []

    def phase(self, phase: Phase, at: float) -> None:
        self.seen.append(phase)


def test_a_run_goes_through_the_phases_in_the_documented_order(
    world: FakeWorld, tmp_path: Path
) -> None:
    """A passing run reports every phase in Phase order, the plan's order: unlock comes last,
    after the verdict and the evidence."""
    listener = _Phases()
    result = run(world, tmp_path, listener=listener, evidence_dir=tmp_path / "evidence")
    assert listener.seen == list(Phase)
    assert [s.phase for s in build_plan(make_drill()).steps] == list(Phase)
    phases = [r.phase for r in read_journal(result.journal_path) if isinstance(r, PhaseEntered)]
    assert phases == list(Phase)
    assert kinds(result)[-2:] == ["phase", "run.finished"]


def test_snapshot_is_journalled_before_the_first_mutation(world: FakeWorld, tmp_path: Path) -> None:
    """The journal holds the snapshot before any intent, and every intent has a result after."""
    records = read_journal(run(world, tmp_path).journal_path)
    order = [r.kind for r in records]
    assert order.index("snapshot") < order.index("intent")
    intents = {r.id: r for r in records if isinstance(r, Intent)}
    results = [r for r in records if isinstance(r, Result)]
    assert sorted(intents) == sorted(r.id for r in results)
    for r in results:
        assert intents[r.id].seq < r.seq


def test_drain_skips_daemonset_and_mirror_pods(world: FakeWorld, tmp_path: Path) -> None:
    """Only the serving pods are evicted; DaemonSet and mirror pods are left alone."""
    run(world, tmp_path)
    evicted = {c[1] for c in world.clusters["us"].calls if c[0] == "evict"}
    assert evicted == {"shop/web-1", "shop/web-2", "shop/web-3"}


def test_blocked_eviction_is_retried_then_the_pod_deleted(world: FakeWorld, tmp_path: Path) -> None:
    """A PDB-blocked eviction is retried until evictionTimeout, then deleted and journalled."""
    world.clusters["us"].blocked.add("shop/web-2")
    result = run(world, tmp_path)
    calls = world.clusters["us"].calls
    assert sum(1 for c in calls if c == ("evict", "shop/web-2")) > 1
    assert ("delete_pod", "shop/web-2") in calls
    deletes = [
        r
        for r in read_journal(result.journal_path)
        if isinstance(r, Intent) and r.action == "delete-pod"
    ]
    assert deletes and deletes[0].pod == "shop/web-2" and "onBlocked" in (deletes[0].reason or "")
    assert result.report.verdict.outcome is Outcome.PASS


def test_blocked_eviction_with_on_blocked_abort_aborts_and_restores(
    world: FakeWorld, tmp_path: Path
) -> None:
    """onBlocked: abort stops the drill, uncordons every node and exits 4."""
    world.clusters["us"].blocked.add("shop/web-2")
    drill = make_drill(fault={"type": "drain", "evictionTimeout": "100ms", "onBlocked": "abort"})
    result = run(world, tmp_path, drill)
    verdict = result.report.verdict
    assert verdict.outcome is Outcome.ABORTED and verdict.exit_code is ExitCode.ABORTED
    assert "PodDisruptionBudget" in (result.report.timeline.abort_reason or "")
    assert ("delete_pod", "shop/web-2") not in world.clusters["us"].calls
    assert not any(world.clusters["us"].nodes.values())


def test_survivor_failure_aborts_and_restores(world: FakeWorld, tmp_path: Path) -> None:
    """When the survivor turns unhealthy mid-drill, the drill aborts and restores (exit 4)."""

    def sicken() -> None:
        wait_until(lambda: all(world.clusters["us"].nodes.values()), 10)
        world.sick.add("eu")

    threading.Thread(target=sicken, daemon=True).start()
    result = run(world, tmp_path)
    assert result.report.verdict.outcome is Outcome.ABORTED
    assert "survivor eu" in (result.report.timeline.abort_reason or "")
    assert not any(world.clusters["us"].nodes.values())


def test_scale_down_restores_replicas_and_records_hpa_bounds(
    world: FakeWorld, tmp_path: Path
) -> None:
    """scale-down sets replicas to 0, snapshots HPA bounds, and puts replicas back."""
    from drillkit.adapters.ports import HpaState, WorkloadState

    us = world.clusters["us"]
    us.workloads["Deployment/shop/web"] = WorkloadState("Deployment", "shop", "web", 3, 3)
    us.hpas.append(HpaState("shop", "web", "Deployment", "web", 2, 6))
    drill = make_drill(fault={"type": "scale-down", "namespace": "shop", "selector": "app=web"})
    result = run(world, tmp_path, drill)
    assert ("set_replicas", "Deployment/shop/web", 0) in us.calls
    assert us.workloads["Deployment/shop/web"].replicas == 3
    snapshot = next(r for r in read_journal(result.journal_path) if isinstance(r, SnapshotTaken))
    hpas = [(i.what, i.value, i.mutable) for i in snapshot.items if i.kind == "hpa"]
    assert hpas == [("us/hpa/shop/web bounds", "2..6", False)]
    assert result.report.verdict.outcome is Outcome.PASS


def test_disable_endpoint_is_reenabled(world: FakeWorld, tmp_path: Path) -> None:
    """disable-endpoint disables the target's endpoint through the port and enables it again."""
    result = run(world, tmp_path, make_drill(fault={"type": "disable-endpoint"}))
    assert [c for c in world.tm.calls if c[0] == "set_endpoint_status"] == [
        ("set_endpoint_status", "us", "Disabled"),
        ("set_endpoint_status", "us", "Enabled"),
    ]
    assert world.tm.tags == {"myapp-child": {}}, "the run's marker tags are gone after restore"
    assert result.report.verdict.outcome is Outcome.PASS


def test_viewer_context_is_refused_with_nothing_changed(world: FakeWorld, tmp_path: Path) -> None:
    """A context without RBAC for the mutations is refused in preflight (exit 3), untouched."""
    world.clusters["us"].denied.add("patch nodes")
    with pytest.raises(PreflightRefused, match="may not patch nodes") as refused:
        run(world, tmp_path)
    assert refused.value.exit_code is ExitCode.PREFLIGHT_REFUSED
    assert world.clusters["us"].mutations() == [] and world.tm.calls == []


def test_context_pin_mismatch_is_refused(world: FakeWorld, tmp_path: Path) -> None:
    """A context that points at another API server than clusterServer is refused."""
    world.clusters["eu"].server_url = "https://elsewhere.example:443"
    drill = make_drill(
        regions={
            "us": {"kubeContext": "fake-us", "ingress": "us.ingress.test"},
            "eu": {"kubeContext": "fake-eu", "ingress": "eu.ingress.test",
                   "clusterServer": "https://eu.fake:443"},
        }
    )  # fmt: skip
    with pytest.raises(PreflightRefused, match="not the pinned clusterServer"):
        run(world, tmp_path, drill)
    assert world.clusters["eu"].mutations() == []


def test_unhealthy_survivor_is_refused_in_preflight(world: FakeWorld, tmp_path: Path) -> None:
    """A survivor failing its HTTP check before the drill refuses it."""
    world.sick.add("eu")
    with pytest.raises(PreflightRefused, match="survivor eu fails its HTTP check"):
        run(world, tmp_path)
    assert world.clusters["us"].mutations() == []


def test_max_duration_aborts(world: FakeWorld, tmp_path: Path) -> None:
    """abort.maxDuration stops the drill and restores."""
    world.clusters["us"].blocked.update({"shop/web-1"})
    drill = make_drill(
        abort={"maxDuration": "300ms"},
        fault={"type": "drain", "evictionTimeout": "1s", "onBlocked": "delete"},
    )
    result = run(world, tmp_path, drill)
    assert result.report.verdict.outcome is Outcome.ABORTED
    assert "maxDuration" in (result.report.timeline.abort_reason or "")
    assert not any(world.clusters["us"].nodes.values())


def test_the_observer_gets_preflights_predicted_windows(world: FakeWorld, tmp_path: Path) -> None:
    """The windows the observer samples fast in are the ones preflight journalled, in
    measured seconds (x the time scale), counted from the target's first failing check."""
    from drillkit.engine.records import PredictionMade

    conns = world.connections()
    options = RunOptions(
        drill=make_drill(), drill_path=tmp_path / "drill.yaml", runs_dir=tmp_path / "runs",
        run_by="tester@host",
    )  # fmt: skip
    runner = Runner(options, conns)
    result = runner.run()
    made = [r for r in read_journal(result.journal_path) if isinstance(r, PredictionMade)]
    assert len(made) == 1 and runner.observer is not None
    scale = conns.time_scale
    windows = runner.observer.windows
    assert windows.detection == ((made[0].detection_s[0] * scale, made[0].detection_s[1] * scale),)
    assert windows.flip == ((made[0].dns_flip_s[0] * scale, made[0].dns_flip_s[1] * scale),)
    assert windows.from_target_down
