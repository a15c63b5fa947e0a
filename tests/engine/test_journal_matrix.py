"""The journal matrix against the fakes (fast, in the tests session): a garbage line, a torn
record, or a disk that fills up, right after each kind of record a run writes. The invariant at
every point: the world equals the snapshot, or the run exits 5 naming exactly what is left;
a journal that lost records never ends in exit 0 or 1. The sandbox runs a seeded sample of the
same points (tests/crash/test_restore_points.py)."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from drillkit.engine import journal as journal_module
from drillkit.engine.journal_scan import scan_journal
from drillkit.engine.records import RECORD_TYPES, Intent
from drillkit.engine.recovery import recover
from drillkit.engine.restore import leftovers
from drillkit.engine.runner import Runner, RunOptions
from drillkit.errors import PreflightRefused, TransientAdapterError
from drillkit.exitcodes import ExitCode
from tests.engine.fakes import FakeWorld, make_drill
from tests.engine.test_journal_damage import died_in_observe

# point -> (kind, nth, drill variant); every kind a run writes against the fakes
POINTS: dict[str, tuple[str, int, str]] = {
    "run.started": ("run.started", 1, "drain"),
    "phase": ("phase", 1, "drain"),
    "mark": ("mark", 1, "drain"),
    "baseline": ("baseline", 1, "drain"),
    "obs": ("obs", 1, "drain"),
    "obs.status": ("obs.status", 1, "drain"),
    "snapshot": ("snapshot", 1, "drain"),
    "intent": ("intent", 1, "drain"),
    "intent-2": ("intent", 2, "drain"),
    "result": ("result", 1, "drain"),
    "abort": ("abort", 1, "abort"),
    "restore.intent": ("restore.intent", 1, "drain"),
    "restore.result": ("restore.result", 2, "drain"),
    "restore.check": ("restore.check", 1, "drain"),
    "verdict": ("verdict", 1, "drain"),
    "evidence": ("evidence", 1, "drain"),
    "run.finished": ("run.finished", 1, "drain"),
    "refused": ("refused", 1, "viewer"),
    "prediction": ("prediction", 1, "drain"),
    "gate": ("gate", 2, "step"),
    "guard": ("guard", 1, "override"),
    "obs.error": ("obs.error", 1, "armerror"),
    "hold": ("hold", 1, "joined"),
}
# Kinds only `drillkit restore` writes: damage lands after them during a later restore.
RECOVERY_POINTS: dict[str, tuple[str, int]] = {
    "recovery.started": ("recovery.started", 1),
    "recovery.finished": ("recovery.finished", 1),
}
NOT_COVERED = {
    "canary": "canary writes need a database endpoint the fakes lack (tests/crash covers it)",
}
"""Record kinds the fakes' matrix has no point for, and why."""
DAMAGE = {
    "garbage": b"GARBAGE{",
    "garbage-line": b"GARBAGE{\n",
    "torn": b'{"seq":999,"kind":"intent","id":"x","action":"cor',
}


def _state(world: FakeWorld) -> dict[str, Any]:
    state: dict[str, Any] = {"tm": sorted(world.tm.disabled)}
    for region, cluster in world.clusters.items():
        state |= {f"{region}/node/{n}": v for n, v in cluster.nodes.items()}
        state |= {f"{region}/{k}": w.replicas for k, w in cluster.workloads.items()}
        state[f"{region}/lease"] = sorted(cluster.leases)
    return state


def _drill(variant: str, world: FakeWorld) -> tuple[Any, dict[str, Any]]:
    """The drill for ``variant`` and the run options it needs."""
    if variant == "abort":
        world.clusters["us"].blocked.add("shop/web-1")
        return make_drill(
            fault={"type": "drain", "onBlocked": "abort", "evictionTimeout": "1s"},
            restore={"deadline": "2s"},
        ), {}
    if variant == "viewer":
        world.clusters["us"].denied.add("*")
    if variant == "step":
        return make_drill(restore={"deadline": "2s"}), {"gate": lambda step: True}
    if variant == "override":
        window = {"timezone": "UTC", "hours": "00:00-00:01", "blackout": ["2000-01-01/2099-12-31"]}
        drill = make_drill(restore={"deadline": "2s"}, guards={"window": window})
        return drill, {"override_window_reason": "matrix"}
    if variant == "armerror":
        _fail_observer_arm_reads(world)
    if variant == "joined":
        _a_node_joins(world)
    return make_drill(restore={"deadline": "2s"}), {}


def _a_node_joins(world: FakeWorld) -> None:
    """A node joins the drained region right after the first cordon: the hold faults it too."""
    us = world.clusters["us"]
    real = us.set_unschedulable

    def set_unschedulable(name: str, value: bool) -> None:
        real(name, value)
        if value:
            us.nodes.setdefault("us-node-9", False)

    us.set_unschedulable = set_unschedulable  # type: ignore[method-assign]


def _fail_observer_arm_reads(world: FakeWorld) -> None:
    """Every other ARM read the observer makes (in its worker threads) fails: obs.error."""
    real, calls = world.tm.endpoints, [0]

    def endpoints() -> Any:
        if threading.current_thread() is not threading.main_thread():
            calls[0] += 1
            if calls[0] % 2 == 0:
                raise TransientAdapterError("ARM read failed (matrix)")
        return real()

    world.tm.endpoints = endpoints  # type: ignore[method-assign]


def _hook(monkeypatch: pytest.MonkeyPatch, kind: str, nth: int, act: Any) -> list[bool]:
    """Call ``act(fd)`` right after the nth record of ``kind`` was written; ``fired[0]`` says
    whether it was."""
    real = journal_module.write
    marker = f'"kind":"{kind}"'.encode()
    seen, fired = [0], [False]

    def write(fd: int, data: bytes) -> int:
        if fired[0] and act is _full:
            raise OSError(errno.ENOSPC, "No space left on device")
        done = real(fd, data)
        if marker in data[:60] and data.endswith(b"\n"):
            seen[0] += 1
            if seen[0] == nth:
                fired[0] = True
                act(fd)
        return done

    monkeypatch.setattr(journal_module, "write", write)
    return fired


def _full(fd: int) -> None:
    """The disk is full from now on (the write seam raises ENOSPC)."""


def _run(world: FakeWorld, tmp_path: Path, variant: str) -> tuple[int, str, Path | None]:
    """The run's exit code, the leftovers it names, and its journal."""
    drill, extra = _drill(variant, world)
    options = RunOptions(
        drill=drill,
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
        evidence_dir=tmp_path / "evidence",
        **extra,
    )
    try:
        result = Runner(options, world.connections()).run()
    except PreflightRefused as e:
        journals = list((tmp_path / "runs").glob("*/journal.jsonl"))
        return int(ExitCode.PREFLIGHT_REFUSED), str(e), journals[0] if journals else None
    named = "\n".join(leftovers(result.restore_checks))
    return int(result.report.verdict.exit_code), named, result.journal_path


def _assert_invariant(before: dict[str, Any], world: FakeWorld, code: int, named: str) -> None:
    after = _state(world)
    left = sorted(k for k in before if after[k] != before[k])
    if code == ExitCode.RESTORE_INCOMPLETE:
        assert left, "exit 5 with nothing left"
        for key in left:
            assert key.rsplit("/", 1)[-1] in named, (key, named)
    else:
        assert left == [], f"exit {code} with {left} left behind"


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("point", list(POINTS))
def test_damage_after_each_record_kind(
    point: str, damage: str, world: FakeWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Garbage or a torn record lands right after this record: the run restores everything
    (or exits 5 naming it), the damage is reported, and every intent still reads."""
    kind, nth, variant = POINTS[point]
    before = _state(world)
    fired = _hook(monkeypatch, kind, nth, lambda fd: os.write(fd, DAMAGE[damage]))
    code, named, journal = _run(world, tmp_path, variant)
    assert fired[0], f"the run never wrote a {kind} record #{nth}"
    _assert_invariant(before, world, code, named)
    assert journal is not None
    scan = scan_journal(journal)
    assert scan.problems, "the damage was not reported"
    cordons = [c for c in world.clusters["us"].calls if c[0] == "set_unschedulable" and c[2]]
    intents = [r for r in scan.records if isinstance(r, Intent) and r.action == "cordon"]
    assert len(intents) == len(cordons)


@pytest.mark.parametrize("point", list(POINTS))
def test_disk_full_from_each_record_kind(
    point: str, world: FakeWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write fails with ENOSPC from right after this record: nothing announced by an
    unwritten record is done, restore runs from memory, and the run ends 3, 4 or 5 (never 0
    or 1, since its journal lacks records), with the world as before or what is left named."""
    kind, nth, variant = POINTS[point]
    before = _state(world)
    fired = _hook(monkeypatch, kind, nth, _full)
    code, named, _ = _run(world, tmp_path, variant)
    assert fired[0], f"the run never wrote a {kind} record #{nth}"
    _assert_invariant(before, world, code, named)
    if point != "run.finished" or variant != "drain":
        assert code in (3, 4, 5), code


def test_the_matrix_covers_every_record_kind_but_those_it_names() -> None:
    """Every typed record kind is a damage point here, except the named few (a new kind
    fails this until it gets a point or a reason)."""
    covered = {kind for kind, _, _ in POINTS.values()}
    covered |= {kind for kind, _ in RECOVERY_POINTS.values()}
    assert set(RECORD_TYPES) - covered == set(NOT_COVERED)


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("point", list(RECOVERY_POINTS))
def test_damage_during_a_later_restore(
    point: str, damage: str, world: FakeWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run dies mid-drill; its `drillkit restore` meets garbage or a torn record right after
    this record: the damage is reported, and a second restore finds the world as before."""
    before = _state(world)
    _, journal, cordoned = died_in_observe(tmp_path, world)
    assert cordoned and _state(world) != before
    kind, nth = RECOVERY_POINTS[point]
    fired = _hook(monkeypatch, kind, nth, lambda fd: os.write(fd, DAMAGE[damage]))
    recover(journal, world.connections())
    assert fired[0], f"restore never wrote a {kind} record #{nth}"
    monkeypatch.undo()
    again = recover(journal, world.connections())
    assert again.problems and again.complete, leftovers(again.checks)
    assert _state(world) == before
