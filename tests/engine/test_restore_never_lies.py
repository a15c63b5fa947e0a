"""Issue 18 against the fakes: restore retries, stops on request, leaves later drift alone, and
a run whose journal is damaged or refuses records still restores everything and says so."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.core.timeline import RestoreOutcome
from drillkit.core.verdict import Outcome
from drillkit.engine import journal as journal_module
from drillkit.engine import restore as restore_module
from drillkit.engine.conclusion import RunResult
from drillkit.engine.faults import World
from drillkit.engine.journal import Journal
from drillkit.engine.journal_scan import scan_journal
from drillkit.engine.lock import DrillLock
from drillkit.engine.records import Intent, Item, RestoreChecked, SnapshotTaken
from drillkit.engine.restore import NOT_CHECKED, RestoreControl, restore
from drillkit.engine.runner import Runner, RunOptions
from drillkit.engine.runs import RunStore
from drillkit.errors import PreflightRefused, TransientAdapterError
from drillkit.exitcodes import ExitCode
from tests.engine.fakes import FakeWorld, make_drill, slow_cordons


def _world(world: FakeWorld) -> World:
    return World(world.clusters, world.tm)  # type: ignore[arg-type]


def _cordoned(tmp_path: Path, world: FakeWorld, n: int = 3) -> Journal:
    """A journal of a drain that cordoned us-node-1..n (the writes have happened)."""
    names = [f"us-node-{i}" for i in range(1, n + 1)]
    items = tuple(
        Item(f"us/node/{name} spec.unschedulable", "node", "us", {"name": name}, False)
        for name in names
    )
    journal = RunStore(tmp_path).create("run-1", SystemClock())
    journal.append(SnapshotTaken(items=items))
    for i, item in enumerate(items, start=1):
        journal.append(Intent(id=f"m{i}", action="cordon", item=item.what, region="us", value=True))
        world.clusters["us"].nodes[f"us-node-{i}"] = True
    return journal


def test_a_regions_nodes_are_put_back_in_parallel(tmp_path: Path, world: FakeWorld) -> None:
    """A drain's 20 nodes are uncordoned several at a time, not one after the other (a
    100-node region restores in seconds), and every one is put back."""
    journal = _cordoned(tmp_path, world, 20)
    cluster = world.clusters["us"]
    most = slow_cordons(cluster, 0.02)
    checks = restore(journal.records(), _world(world), journal)
    assert [c.outcome for c in checks] == [RestoreOutcome.RESTORED] * 20
    assert not any(cluster.nodes.values())
    assert 4 <= most[0] <= restore_module.MAX_PARALLEL_RESTORES


def test_a_stop_keeps_parallel_restores_from_starting(tmp_path: Path, world: FakeWorld) -> None:
    """With nodes put back in parallel, a stop during an undo lets the started ones end and
    starts no other: every node is restored or named as not checked, none is lost."""
    journal = _cordoned(tmp_path, world, 20)
    cluster = world.clusters["us"]
    control = RestoreControl(stop=threading.Event(), stopped_by="SIGTERM")
    real = cluster.set_unschedulable

    def set_unschedulable(name: str, value: bool) -> None:
        control.stop.set()
        real(name, value)

    cluster.set_unschedulable = set_unschedulable  # type: ignore[method-assign]
    checks = restore(journal.records(), _world(world), journal, control=control)
    restored = [c for c in checks if c.outcome is RestoreOutcome.RESTORED]
    skipped = [c for c in checks if c.actual == NOT_CHECKED and "SIGTERM" in c.detail]
    assert len(checks) == 20 and len(restored) + len(skipped) == 20
    assert 1 <= len(restored) <= restore_module.MAX_PARALLEL_RESTORES and skipped
    assert sum(cluster.nodes.values()) == len(skipped)


def test_a_restored_item_changed_later_is_drift(tmp_path: Path, world: FakeWorld) -> None:
    """After a restore put us-node-1 back, a cordon by hand is someone else's: a second restore
    reports drift and leaves it (issue 18, scenario 3)."""
    journal = _cordoned(tmp_path, world, 1)
    restore(journal.records(), _world(world), journal)
    world.clusters["us"].nodes["us-node-1"] = True
    (check,) = restore(journal.records(), _world(world), journal)
    assert (
        check.outcome is RestoreOutcome.DRIFTED and "after drillkit had put it back" in check.detail
    )
    assert world.clusters["us"].nodes["us-node-1"] is True


class _Flaky:
    """get_node fails with a transient error ``failures`` times, then works."""

    def __init__(self, world: FakeWorld, failures: int) -> None:
        self.left = failures
        cluster = world.clusters["us"]
        real = cluster.get_node

        def get_node(name: str) -> Any:
            if self.left > 0:
                self.left -= 1
                raise TransientAdapterError("the API is down", status=503)
            return real(name)

        cluster.get_node = get_node  # type: ignore[method-assign]


def test_failed_items_are_retried_until_the_deadline(tmp_path: Path, world: FakeWorld) -> None:
    """An API down for the first attempts: the items are retried with backoff and put back
    (issue 18, scenario 5)."""
    journal = _cordoned(tmp_path, world)
    _Flaky(world, 4)
    control = RestoreControl(deadline_s=30)
    checks = restore(journal.records(), _world(world), journal, control=control)
    assert [c.outcome for c in checks] == [RestoreOutcome.RESTORED] * 3
    assert not any(world.clusters["us"].nodes.values())


def test_without_time_left_a_failed_item_is_reported(tmp_path: Path, world: FakeWorld) -> None:
    """With the deadline passed, an item the API would not let us read is FAILED, not hidden."""
    journal = _cordoned(tmp_path, world, 1)
    _Flaky(world, 100)
    (check,) = restore(journal.records(), _world(world), journal)
    assert check.outcome is RestoreOutcome.FAILED and "the API is down" in check.detail


def test_a_stop_request_lists_the_items_not_reached(tmp_path: Path, world: FakeWorld) -> None:
    """Stopped after the first item (restore starts one item at a time): the others are
    reported as not checked, by name."""
    journal = _cordoned(tmp_path, world)
    control = RestoreControl(stop=threading.Event(), stopped_by="SIGTERM")
    control.on_check = lambda check: control.stop.set()
    checks = restore(journal.records(), _world(world), journal, control=control)
    assert [c.outcome for c in checks] == [RestoreOutcome.RESTORED] + [RestoreOutcome.FAILED] * 2
    assert all(c.actual == NOT_CHECKED and "SIGTERM" in c.detail for c in checks[1:])
    assert sum(world.clusters["us"].nodes.values()) == 2
    kinds = [r.outcome for r in journal.records() if isinstance(r, RestoreChecked)]
    assert kinds == ["restored", "failed", "failed"]


def _run(world: FakeWorld, tmp_path: Path, **drill: Any) -> RunResult:
    options = RunOptions(
        drill=make_drill(restore={"deadline": "2s"}, **drill),
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
        run_by="tester@host",
    )
    return Runner(options, world.connections()).run()


def test_garbage_after_the_first_intent_hides_nothing(tmp_path: Path, world: FakeWorld) -> None:
    """GARBAGE{ lands in the journal right after the first cordon's intent: every node is
    uncordoned, and the bad line is reported (issue 18, scenario 1)."""
    cluster = world.clusters["us"]
    real = cluster.set_unschedulable
    once = threading.Lock()  # nodes are cordoned in parallel: the first cordon writes it
    written: list[bool] = []

    def cordon(name: str, value: bool) -> None:
        with once:
            if value and not written:
                written.append(True)
                (journal,) = (tmp_path / "runs").glob("*/journal.jsonl")
                with journal.open("ab") as f:
                    f.write(b"GARBAGE{")
        real(name, value)

    cluster.set_unschedulable = cordon  # type: ignore[method-assign]
    result = _run(world, tmp_path)
    assert result.report.verdict.restored and not any(cluster.nodes.values())
    problems = scan_journal(result.journal_path).problems
    assert len(problems) == 1 and "GARBAGE{" in problems[0].excerpt


def _fail_writes(monkeypatch: pytest.MonkeyPatch, when: Any) -> None:
    real = journal_module.write

    def write(fd: int, data: bytes) -> int:
        if when(data):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(journal_module, "write", write)


def test_an_intent_that_cannot_be_written_is_not_carried_out(
    tmp_path: Path, world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk refuses the second cordon's intent (and every later one): only the node whose
    intent was written is ever cordoned (the nodes are cordoned in parallel, so which one is
    first varies), it is put back, and the run ends aborted (exit 4), not pass (issue 18,
    scenario 2)."""
    seen: list[bytes] = []
    cluster = world.clusters["us"]

    def second_intent(data: bytes) -> bool:
        if b'"kind":"intent"' in data and b"cordon" in data:
            seen.append(data)
            return len(seen) >= 2
        return False

    _fail_writes(monkeypatch, second_intent)
    result = _run(world, tmp_path)
    assert not any(cluster.nodes.values())
    cordoned = {c[1] for c in cluster.calls if c[0] == "set_unschedulable" and c[2]}
    first = json.loads(seen[0])["item"].split("/")[2].split()[0]
    assert cordoned == {first}
    assert result.report.verdict.outcome is Outcome.ABORTED
    assert result.report.verdict.exit_code is ExitCode.ABORTED
    assert "could not record" in result.report.verdict.reason


def test_a_full_disk_after_the_change_never_skips_restore(
    tmp_path: Path, world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the nodes are cordoned the disk refuses every record: restore still runs from
    memory, every node is uncordoned, and the run says aborted, naming the journal's gap."""
    cluster = world.clusters["us"]
    _fail_writes(monkeypatch, lambda data: any(cluster.nodes.values()))
    result = _run(world, tmp_path)
    assert not any(cluster.nodes.values())
    assert result.report.verdict.outcome is Outcome.ABORTED and result.report.verdict.restored
    assert any("could not record" in note for note in result.notes)


def test_a_run_refuses_while_another_run_is_unfinished(tmp_path: Path, world: FakeWorld) -> None:
    """A run that left us-node-3 cordoned blocks the next one: exit 3, naming the run and the
    command that finishes it, nothing changed (issue 18, scenario 4)."""
    store = RunStore(tmp_path / "runs")
    with store.create("20260101T000000Z-old-abc123", SystemClock()) as journal:
        from drillkit.engine.records import RunStarted

        journal.append(RunStarted(run_id="old", drill={"metadata": {"name": "old"}}))
        journal.append(Intent(id="m1", action="cordon", item="x", value=True))
    with pytest.raises(PreflightRefused) as refused:
        _run(world, tmp_path)
    assert "20260101T000000Z-old-abc123" in str(refused.value)
    assert "drillkit restore 20260101T000000Z-old-abc123" in str(refused.value)
    assert world.clusters["us"].mutations() == []
    assert len(store.list()) == 1


def test_a_runs_dir_that_cannot_be_written_is_refused(tmp_path: Path, world: FakeWorld) -> None:
    """A runs dir that is a file: exit 3, the message names it, nothing is changed."""
    (tmp_path / "runs").write_text("not a directory")
    with pytest.raises(PreflightRefused, match=r"runs dir \(--runs-dir\) .*runs"):
        _run(world, tmp_path)
    assert world.clusters["us"].mutations() == []


def test_a_full_runs_dir_is_refused(
    tmp_path: Path, world: FakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runs dir with 60 KiB free: exit 3 naming the free space, nothing changed."""
    real = os.statvfs

    def statvfs(path: Any) -> Any:
        stats = real(path)
        return os.statvfs_result((*stats[:4], 15, *stats[5:]))  # 15 blocks of 4 KiB free

    monkeypatch.setattr(os, "statvfs", statvfs)
    with pytest.raises(PreflightRefused, match="KiB free"):
        _run(world, tmp_path)
    assert world.clusters["us"].mutations() == []


def test_a_lock_that_cannot_be_renewed_for_its_lease_is_lost(world: FakeWorld) -> None:
    """Every renewal failing for longer than the lease sets ``lost`` with the reason (the
    drill then aborts and restores; issue 18, scenario 5)."""
    lock = DrillLock(dict(world.clusters), "run-1", SystemClock(), duration_s=1)  # type: ignore[arg-type]
    lock.acquire()
    for cluster in world.clusters.values():

        def down(*args: Any) -> Any:
            raise TransientAdapterError("the API is down", status=503)

        cluster.put_lease = down  # type: ignore[method-assign]
    try:
        assert lock.lost.wait(5)
    finally:
        lock.release()
    assert "could not be renewed for longer than its lease (1s)" in lock.lost_reason


@pytest.mark.parametrize("count", [1, 2])
def test_restore_signals_first_announced_second_stops(
    count: int, tmp_path: Path, world: FakeWorld
) -> None:
    """SIGTERM after the first item: once, restore says a second one stops and finishes every
    item; twice, it stops there and the items it did not reach are reported (issue 18,
    scenario 7)."""
    import signal

    from drillkit.engine.signals import two_step_stop

    journal = _cordoned(tmp_path, world)
    said: list[str] = []
    control = RestoreControl(stop=threading.Event())

    def on_check(check: Any) -> None:
        if len(said) == 0 and check.outcome is RestoreOutcome.RESTORED:
            for _ in range(count):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)

    def stopping(name: str) -> None:
        control.stopped_by = name

    control.on_check = on_check
    with two_step_stop(control.stop, said.append, stopping):
        checks = restore(journal.records(), _world(world), journal, control=control)
    assert "send a second signal to stop now" in said[0]
    outcomes = [c.outcome for c in checks]
    if count == 1:
        assert outcomes == [RestoreOutcome.RESTORED] * 3 and not any(
            world.clusters["us"].nodes.values()
        )
    else:
        assert outcomes == [RestoreOutcome.RESTORED, RestoreOutcome.FAILED, RestoreOutcome.FAILED]
        assert all("stopped by SIGTERM" in c.detail for c in checks[1:])


def test_a_lock_lost_while_restore_runs_aborts_the_run(tmp_path: Path, world: FakeWorld) -> None:
    """The lease could not be renewed while restore ran (the API was down): the run still
    restores everything, skips failback and ends aborted (exit 4), never pass."""
    cluster = world.clusters["us"]
    real = cluster.set_unschedulable

    def uncordon(name: str, value: bool) -> None:
        if not value:
            lock = runner.lock
            lock._lose("the drill lock in region us could not be renewed for longer than its lease")
        real(name, value)

    cluster.set_unschedulable = uncordon  # type: ignore[method-assign]
    options = RunOptions(
        drill=make_drill(restore={"deadline": "2s"}),
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
    )
    runner = Runner(options, world.connections())
    result = runner.run()
    assert not any(cluster.nodes.values())
    assert result.report.verdict.exit_code is ExitCode.ABORTED
    assert "could not be renewed" in result.report.verdict.reason
