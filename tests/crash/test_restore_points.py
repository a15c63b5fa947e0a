"""Issue 18's matrix against the sandbox twin: a damaged journal (garbage, a torn record, a full
disk) after each record kind, SIGTERM and SIGINT during `drillkit restore` at each item, two
restores at once, API blackouts of 10, 30 and 90 s during inject, observe and restore, and 30 s
blackouts of one component (the target's kube API, the survivor's, or ARM under a
disable-endpoint drill) during each of those phases.

The invariant at every point: the world equals the snapshot, or the exit code is 5 and the
output names exactly what is left; never 0 or 1 with anything left behind. CI runs a seeded
sample of each matrix (tests/sampling.py); `nox -s chaos-full` runs all of it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from drillkit.engine.records import RestoreChecked, read_journal
from tests.chaos.harness import (
    SandboxProcess,
    WorldReader,
    drillkit,
    eventually,
    finish,
)
from tests.cli.test_restore_cli import blocked_on_flock
from tests.crash.runs import KILLER, RUN_POINTS, crash_drill, run_killed
from tests.polling import poll
from tests.sampling import FULL, sample

pytestmark = [pytest.mark.chaos, pytest.mark.slow]
DAMAGE_POINTS = [(p, act) for act in ("garbage", "torn", "enospc") for p in RUN_POINTS]
SIGNAL_POINTS = [
    (sig, count, item) for sig in ("SIGTERM", "SIGINT") for count in (1, 2) for item in (1, 2, 3)
]
DAMAGE_SAMPLE = sample(DAMAGE_POINTS, 3, salt="damage")
SIGNAL_SAMPLE = sample(SIGNAL_POINTS, 2, salt="signals")
BLACKOUT_PHASES = {"inject": "phase:phase=inject", "observe": "phase:phase=observe",
                   "restore": "phase:phase=restore"}  # fmt: skip
BLACKOUTS = [(phase, seconds) for seconds in (10, 30, 90) for phase in BLACKOUT_PHASES]
# CI samples the 10 s and 30 s blackouts; chaos-full adds the 90 s ones.
BLACKOUT_SAMPLE = BLACKOUTS if FULL else sample([b for b in BLACKOUTS if b[1] <= 30], 2, salt="b")
# One component at a time (the admin API's fault targets): the target region's kube API, the
# survivor's, and ARM under a drill whose fault is ARM's (disable-endpoint), for 30 s from the
# start of each phase. CI runs one of these 9 points; chaos-full runs all of them.
COMPONENT_DRILLS = {"kube:us": "delete", "kube:eu": "delete", "arm": "disable-endpoint"}
COMPONENT_BLACKOUTS = [(target, phase) for target in COMPONENT_DRILLS for phase in BLACKOUT_PHASES]
COMPONENT_SECONDS = 30
COMPONENT_SAMPLE = sample(COMPONENT_BLACKOUTS, 1, salt="component")
RESULTS = os.environ.get("DRILLKIT_CHAOS_RESULTS", "")
"""A file that collects one JSON line per blackout point (docs/benchmarks.md's figures)."""


def _env(twin: SandboxProcess, **extra: str) -> dict[str, str]:
    admin = twin.info["admin"]
    return dict(os.environ, KILLER_ADMIN_URL=admin["url"], KILLER_ADMIN_TOKEN=admin["token"],
                **extra)  # fmt: skip


def _run(
    *,
    twin: SandboxProcess,
    drill: Path,
    runs: Path,
    point: str,
    nth: int,
    env: dict[str, str],
    timeout: float = 150.0,
) -> tuple[int, str, str]:
    proc = drillkit(
        point, str(nth), "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(runs), "--evidence-dir", str(runs.parent / "evidence"),
        "--output", "json", prefix=KILLER, env=env,
    )  # fmt: skip
    return finish(proc, timeout=timeout)


def _restore(runs: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return drillkit(
        *args, "restore", "--latest", "--yes", "--runs-dir", str(runs),
        prefix=KILLER if args else (), env=env or dict(os.environ),
    )  # fmt: skip


def _assert_invariant(
    reader: WorldReader, before: dict[str, Any], code: int, out: str, err: str
) -> list[str]:
    """The world equals ``before`` (a lease may take its 15 s to lapse), or exit 5 names every
    item left; returns the items left."""
    after = reader.state()
    left = sorted(k for k in before if after[k] != before[k] and not k.endswith("lease holder"))
    if code == 5:
        assert left, f"exit 5 with nothing left: {err[-2000:]}"
        for key in left:
            assert key in out + err, f"{key} is left but not named: {err[-3000:]}"
    else:
        assert code in (0, 1, 3, 4, 130), f"exit {code}: {err[-3000:]}"
        assert left == [], f"exit {code} with {left} left behind: {err[-3000:]}"
        eventually(lambda: reader.state() == before, 30)
    return left


@pytest.mark.timeout(400)
@pytest.mark.parametrize(("point", "act"), DAMAGE_SAMPLE)
def test_damage_after_a_record_kind(
    *,
    point: str, act: str, twin: SandboxProcess, reader: WorldReader,
    pristine: dict[str, Any], tmp_path: Path,
) -> None:  # fmt: skip
    """Garbage, a torn record or a full disk right after this record: the run restores what it
    changed (or exits 5 naming it), a full disk never ends 0 or 1 before the last record, and
    `restore --latest` then finishes whatever the journal left open."""
    kind, nth, variant = RUN_POINTS[point]
    runs = tmp_path / "runs"
    env = _env(twin, KILLER_ACT=act)
    drill = crash_drill(tmp_path, variant)
    code, out, err = _run(twin=twin, drill=drill, runs=runs, point=kind, nth=nth, env=env)
    print(f"{point} {act}: exit {code}")
    _assert_invariant(reader, pristine, code, out, err)
    if act == "enospc" and kind != "run.finished":
        assert code in (3, 4, 5), err[-3000:]
    again = _restore(runs)
    rcode, rout, rerr = finish(again)
    assert rcode == 0, rerr[-3000:]
    assert "restored: run" in rout or "nothing to restore: " in rout
    _assert_invariant(reader, pristine, rcode, rout, rerr)


@pytest.mark.timeout(400)
@pytest.mark.parametrize(("sig", "count", "item"), SIGNAL_SAMPLE)
def test_signals_during_restore(
    *,
    sig: str, count: int, item: int, twin: SandboxProcess, reader: WorldReader,
    pristine: dict[str, Any], tmp_path: Path,
) -> None:  # fmt: skip
    """A signal after restore's Nth item: one signal is announced and restore carries on to
    exit 0; a second stops it with exit 5, naming exactly the items it did not reach, and a
    later restore finishes them."""
    runs = tmp_path / "runs"
    run_killed(twin, crash_drill(tmp_path, "delete"), runs, "phase:phase=observe", 1)
    env = _env(twin, KILLER_ACT="signal", KILLER_SIGNAL=sig, KILLER_SIGNAL_COUNT=str(count))
    code, out, err = finish(_restore(runs, "restore.check", str(item), env=env))
    assert "send a second signal to stop now" in out + err
    if count == 1:
        assert code == 0, err[-3000:]
        _assert_invariant(reader, pristine, code, out, err)
        return
    assert code == 5, err[-3000:]
    left = _assert_invariant(reader, pristine, code, out, err)
    assert f"second {sig}" in out + err and "not checked" in out + err
    # Items restore did not reach are named whether or not they were still changed.
    for key in left:
        assert key in err
    code, out, err = finish(_restore(runs))
    assert code == 0, err[-3000:]
    _assert_invariant(reader, pristine, code, out, err)


@pytest.mark.timeout(400)
def test_two_restores_at_once(
    twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path
) -> None:
    """Two `restore --latest` at the same moment: the run dir's flock serialises them (both
    are seen waiting on it, held here until both do), both exit 0, one restores and the other
    finds nothing to restore, and no seq repeats."""
    runs = tmp_path / "runs"
    journal = run_killed(twin, crash_drill(tmp_path, "delete"), runs, "phase:phase=observe", 1)
    fd = os.open(journal.parent / "run.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        first, second = _restore(runs), _restore(runs)
        for proc in (first, second):
            poll(lambda p=proc: p.poll() is not None or blocked_on_flock(p.pid), 120, 0.1)
    finally:
        os.close(fd)
    results = [finish(first), finish(second)]
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    for _, out, _ in results:
        assert "is held by another drillkit process" in out, out[-2000:]
    outs = " ".join(out for _, out, _ in results)
    assert "restored: run" in outs
    seqs = [r.seq for r in read_journal(journal)]
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
    _assert_invariant(reader, pristine, 0, outs, "")


def _blackout(
    *, twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path,
    phase: str, seconds: int, target: str, variant: str,
) -> None:  # fmt: skip
    """Run ``variant``'s drill with ``target`` (every kube API and ARM when empty) blacked out
    for ``seconds`` from the start of ``phase``; record the figures and check the invariant."""
    runs = tmp_path / "runs"
    log = tmp_path / "blackout.log"
    env = _env(twin, KILLER_BLACKOUT_AFTER=BLACKOUT_PHASES[phase], KILLER_BLACKOUT_S=str(seconds),
               KILLER_BLACKOUT_LOG=str(log), KILLER_BLACKOUT_TARGET=target)  # fmt: skip
    started = time.monotonic()
    try:
        drill = crash_drill(tmp_path, variant)
        code, out, err = _run(
            twin=twin, drill=drill, runs=runs, point="none", nth=0, env=env, timeout=seconds + 180
        )
    finally:
        twin.clear_faults()
    wall = time.monotonic() - started
    assert log.is_file(), f"the run never reached {phase}: {err[-2000:]}"
    api_back = float(log.read_text()) + seconds
    (journal,) = runs.glob("*/journal.jsonl")
    checks = [r for r in read_journal(journal) if isinstance(r, RestoreChecked)]
    restored_at = max((r.wall for r in checks), default=api_back)
    after_return = max(0.0, restored_at - api_back)
    figures = {"target": target or "kube+arm", "fault": variant, "phase": phase,
               "blackoutS": seconds, "exit": code, "wallS": round(wall, 1),
               "fullRestoreAfterApiReturnS": round(after_return, 1),
               "verdict": json.loads(out).get("verdict") if out.strip() else None}  # fmt: skip
    print(json.dumps(figures))
    if RESULTS:
        with open(RESULTS, "a") as f:
            f.write(json.dumps(figures) + "\n")
    _assert_invariant(reader, pristine, code, out, err)


@pytest.mark.parametrize(
    ("phase", "seconds"),
    [pytest.param(p, s, marks=pytest.mark.timeout(s + 400)) for p, s in BLACKOUT_SAMPLE],
)
def test_api_blackout(
    *,
    phase: str, seconds: int, twin: SandboxProcess, reader: WorldReader,
    pristine: dict[str, Any], tmp_path: Path,
) -> None:  # fmt: skip
    """Every Kubernetes API and ARM refuse every request for 10, 30 or 90 s from the start of
    this phase: the run restores everything once the APIs return (retrying until
    restore.deadline), or exits 5 naming what is left."""
    _blackout(twin=twin, reader=reader, pristine=pristine, tmp_path=tmp_path, phase=phase,
              seconds=seconds, target="", variant="delete")  # fmt: skip


@pytest.mark.timeout(COMPONENT_SECONDS + 400)
@pytest.mark.parametrize(("target", "phase"), COMPONENT_SAMPLE)
def test_component_blackout(
    *,
    target: str, phase: str, twin: SandboxProcess, reader: WorldReader,
    pristine: dict[str, Any], tmp_path: Path,
) -> None:  # fmt: skip
    """Only the target region's kube API, only the survivor's, or only ARM (under a
    disable-endpoint drill) refuses every request for 30 s from the start of this phase: the
    world equals the snapshot, or the run exits 5 naming what is left; never 0 or 1 with
    anything left behind."""
    _blackout(twin=twin, reader=reader, pristine=pristine, tmp_path=tmp_path, phase=phase,
              seconds=COMPONENT_SECONDS, target=target,
              variant=COMPONENT_DRILLS[target])  # fmt: skip
