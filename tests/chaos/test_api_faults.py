"""The sandbox drill under the twin's fault knobs (429 with Retry-After, 500, 503 and latency on
every Kubernetes and ARM request): it survives 20 % with bounded retries, and at 60 % it stops
with a clear verdict and never leaves a change it does not name."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import PhaseEntered, read_journal
from tests.chaos.conftest import CHAOS_TIME_SCALE, Outcome
from tests.chaos.harness import (
    SandboxProcess,
    WorldReader,
    drillkit,
    finish,
    write_drill,
    write_world,
)

pytestmark = pytest.mark.chaos

MAX_ATTEMPTS = 8  # drillkit.adapters.retry.policy's default: before_sleep logs attempts 1..7
LATENCY_MS = 100.0
KILLER = ("-m", "tests.crash.killer")


def _drill(folder: Path, **changes: Any) -> Path:
    write_world(folder, CHAOS_TIME_SCALE)
    return write_drill(folder, **changes)


def _run(twin: SandboxProcess, drill: Path, folder: Path, **kwargs: Any) -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = drillkit(
        "--log-format", "json", "-vv", "run", str(drill), "--yes",
        "--attach", str(twin.state_dir), "--runs-dir", str(folder / "runs"),
        "--evidence-dir", str(folder / "evidence"), "--output", "json",
        **kwargs,
    )  # fmt: skip
    code, out, err = finish(proc, timeout=110)
    outcome = Outcome(code, out, err, time.monotonic() - started)
    (folder / "stdout.json").write_text(out)
    (folder / "stderr.log").write_text(err)
    print(
        f"exit {code} in {outcome.wall_s:.1f} s, {len(outcome.log_events('drill.retry'))} retries"
    )
    return outcome


def _assert_bounded_retries(outcome: Outcome) -> None:
    retries = outcome.log_events("drill.retry")
    assert retries, "20 % of requests failed, yet no retry was logged"
    assert max(r["attempt"] for r in retries) < MAX_ATTEMPTS
    assert all(r["wait_s"] <= 5.0 for r in retries)  # Retry-After honoured, backoff capped


def _assert_passed_and_restored(
    outcome: Outcome, twin: SandboxProcess, reader: WorldReader, before: dict[str, Any]
) -> None:
    """Exit 0, verdict pass, every snapshot item back; a lock lease still held must be named."""
    assert outcome.code == 0, outcome.err[-3000:]
    doc = outcome.document
    assert doc["verdict"] == "pass" and doc["restored"] is True
    twin.clear_faults()
    after = reader.state()
    left = sorted(key for key in before if after[key] != before[key])
    print(f"left changed after the run: {left}")
    assert all(key.endswith("/lease holder") for key in left), left
    assert not [key for key in left if not _named(key, outcome)]


def _named(key: str, outcome: Outcome) -> bool:
    """Whether the run's output names this leftover: a restore item by its own name, a lock
    lease by the warning that its release failed in that region."""
    if key.endswith("/lease holder"):
        region = key.split("/", 1)[0]
        return any(
            e.get("region") == region for e in outcome.log_events("drill.lock.release_failed")
        )
    return key in outcome.out + outcome.err


@pytest.mark.slow
@pytest.mark.timeout(300)  # three whole drills
def test_the_drain_drill_passes_three_times_with_20_percent_faults(
    twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path
) -> None:
    """With 20 % of kube and ARM requests failing and up to 100 ms latency, the shipped drain
    drill passes and restores, three runs in a row, every retry within its bound."""
    drill = _drill(tmp_path)
    for attempt in range(3):
        twin.set_faults(0.2, LATENCY_MS)
        outcome = _run(twin, drill, tmp_path / f"run{attempt}")
        _assert_passed_and_restored(outcome, twin, reader, pristine)
        _assert_bounded_retries(outcome)


def _faults_from(twin: SandboxProcess, point: str, rate: float) -> dict[str, str]:
    """The environment that makes tests.crash.killer turn the fault knobs at ``point``."""
    return dict(
        os.environ,
        KILLER_FAULTS_AFTER=point,
        KILLER_ADMIN_URL=twin.info["admin"]["url"],
        KILLER_ADMIN_TOKEN=twin.info["admin"]["token"],
        KILLER_FAULT_RATE=str(rate),
        KILLER_FAULT_LATENCY_MS=str(LATENCY_MS),
    )


@pytest.mark.slow
def test_the_scale_down_drill_passes_with_20_percent_faults_once_locked(
    twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path
) -> None:
    """With 20 % of kube and ARM requests failing and up to 100 ms latency from the moment the
    lock is held, a scale-down drill passes, restores the replicas, and every retry stays within
    its bound."""
    drill = _drill(
        tmp_path, fault={"type": "scale-down", "namespace": "shop", "selector": "app=web"}
    )
    env = _faults_from(twin, "mark:name=lock_acquired", 0.2)
    try:
        outcome = _run(twin, drill, tmp_path, prefix=(*KILLER, "never", "0"), env=env)
    finally:
        twin.clear_faults()
    _assert_passed_and_restored(outcome, twin, reader, pristine)
    _assert_bounded_retries(outcome)


def _assert_stopped_naming_leftovers(
    outcome: Outcome, reader: WorldReader, before: dict[str, Any], runs: Path
) -> None:
    """Exit 4 or 5 with a reason (or 3, nothing changed; or 1 or 0, the retries carried the drill
    through, restored); every difference from ``before`` named; `restore --latest` with faults
    off puts the rest back."""
    assert outcome.code in (0, 1, 3, 4, 5), outcome.err[-3000:]
    if outcome.code == 3:  # preflight could not read enough to start: it must have changed nothing
        assert "nothing was changed" in outcome.err
        assert reader.state() == before
        return
    if outcome.out.strip():
        doc = outcome.document
        verdicts = {0: "pass", 1: "fail", 4: "aborted", 5: "restore-incomplete"}
        assert doc["verdict"] == verdicts[outcome.code]
        assert doc["reason"]
        assert doc["restored"] is (outcome.code != 5)
    else:  # stopped while taking the lock, before the drill began: the error is the message
        assert "drillkit: " in outcome.err
    after = reader.state()
    left = sorted(key for key in before if after[key] != before[key])
    print(f"left changed after the run: {left}")
    unnamed = [key for key in left if not _named(key, outcome)]
    assert not unnamed, f"left changed and not named in the output: {unnamed}"
    if outcome.code == 5:
        assert "NOT RESTORED" in outcome.err
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    assert reader.state() == before


@pytest.mark.slow
def test_60_percent_faults_stop_the_drill_and_name_whatever_is_left(
    twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path
) -> None:
    """With 60 % of requests failing from the start the drill stops (4 or 5) with a reason, or
    preflight refuses (3) having changed nothing; anything still changed is named in its output,
    and `restore --latest` fixes it."""
    twin.set_faults(0.6, LATENCY_MS)
    outcome = _run(twin, _drill(tmp_path, fault__evictionTimeout="2s"), tmp_path)
    twin.clear_faults()
    _assert_stopped_naming_leftovers(outcome, reader, pristine, tmp_path / "runs")


@pytest.mark.slow
def test_60_percent_faults_from_the_first_mutation_on(
    twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path
) -> None:
    """Faults at 60 % from the inject phase on (lock taken, snapshot written): the drain and its
    restore run under faults; the drill stops (4 or 5), or ends restored with an objective
    missed (1), and names anything it left changed."""
    env = _faults_from(twin, "phase:phase=inject", 0.6)
    drill = _drill(tmp_path, fault__evictionTimeout="2s")
    try:
        outcome = _run(twin, drill, tmp_path, prefix=(*KILLER, "never", "0"), env=env)
    finally:
        twin.clear_faults()
    journal = next((tmp_path / "runs").glob("*/journal.jsonl"))
    assert any(isinstance(r, PhaseEntered) and r.phase == "inject" for r in read_journal(journal))
    _assert_stopped_naming_leftovers(outcome, reader, pristine, tmp_path / "runs")
