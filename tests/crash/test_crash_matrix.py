"""The crash matrix: SIGKILL drillkit right after each kind of journal record it writes, then
`drillkit restore --latest`: the world equals the pre-drill state and the journal's snapshot."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import RECORD_TYPES, SnapshotTaken, read_journal
from tests.chaos.harness import SandboxProcess, WorldReader, drillkit, finish
from tests.crash.runs import (
    KILLER,
    RUN_POINTS,
    assert_killed_at,
    assert_world_is_the_snapshot,
    crash_drill,
    restore_latest,
    run_killed,
)
from tests.crash.test_crash_hostile import HOSTILE_POINTS
from tests.crash.test_crash_step import STEP_POINTS

pytestmark = pytest.mark.chaos

# Kinds only `drillkit restore` writes, and restore's own steps: crash the restore itself.
RESTORE_POINTS: dict[str, tuple[str, int]] = {
    "recovery.started": ("recovery.started", 1),
    "restore.intent": ("restore.intent", 2),
    "restore.result": ("restore.result", 1),
    "restore.check": ("restore.check", 2),
    "recovery.finished": ("recovery.finished", 1),
}
# Every typed record kind (drillkit/engine/records.py); obs.error has its own test below.
ENGINE_KINDS = set(RECORD_TYPES)


def test_the_matrix_covers_every_kind_the_engine_writes() -> None:
    """Every record class is written by drillkit/engine, and each kind is a kill point."""
    engine = Path(__file__).resolve().parents[2] / "drillkit" / "engine"
    import re

    sources = "\n".join(
        p.read_text() for p in engine.rglob("*.py") if p.name not in ("records.py", "codec.py")
    )
    unwritten = {
        kind for kind, cls in RECORD_TYPES.items() if not re.search(rf"\b{cls.__name__}\(", sources)
    }
    assert unwritten == set(), "record classes no engine module constructs"
    covered = {p.partition(":")[0] for p, _, _ in RUN_POINTS.values()}
    covered |= {p.partition(":")[0] for p, _ in RESTORE_POINTS.values()}
    covered |= {p.partition(":")[0] for p, _, _ in HOSTILE_POINTS.values()}  # pauses, joins
    covered |= {p for p, _ in STEP_POINTS.values()}  # run --step, in a pseudo-terminal
    assert ENGINE_KINDS - covered == {"obs.error"}  # its own test: it needs failing ARM reads


@pytest.mark.slow
@pytest.mark.parametrize("point", list(RUN_POINTS))
def test_sigkill_after_a_run_record_then_restore_latest(
    point: str,
    twin: SandboxProcess,
    reader: WorldReader,
    pristine: dict[str, Any],
    tmp_path: Path,
) -> None:
    """SIGKILL right after this record, then `restore --latest`: the world is as before."""
    kind, nth, variant = RUN_POINTS[point]
    runs = tmp_path / "runs"
    journal = run_killed(twin, crash_drill(tmp_path, variant), runs, kind, nth)
    killed = read_journal(journal)
    restore_latest(runs)  # first: a failed check below must not leave the next test a dirty world
    assert_world_is_the_snapshot(reader, pristine, journal)
    assert_killed_at(killed, kind, nth)


@pytest.mark.slow
@pytest.mark.parametrize("point", list(RESTORE_POINTS))
def test_sigkill_during_restore_then_restore_again(
    point: str,
    twin: SandboxProcess,
    reader: WorldReader,
    pristine: dict[str, Any],
    tmp_path: Path,
) -> None:
    """A run killed mid-outage, its restore killed after this record, restore again: as before."""
    runs = tmp_path / "runs"
    journal = run_killed(twin, crash_drill(tmp_path, "delete"), runs, "phase:phase=observe", 1)
    kind, nth = RESTORE_POINTS[point]
    proc = drillkit(
        kind, str(nth), "restore", "--latest", "--yes", "--runs-dir", str(runs), prefix=KILLER
    )
    code, _, err = finish(proc)
    killed = read_journal(journal)
    restore_latest(runs)
    assert_world_is_the_snapshot(reader, pristine, journal)
    assert code == -signal.SIGKILL, f"restore was not killed at {point} ({code}): {err[-3000:]}"
    assert_killed_at(killed, kind, nth)


@pytest.mark.slow
def test_sigkill_after_an_observation_error_then_restore_latest(
    twin: SandboxProcess, reader: WorldReader, pristine: dict[str, Any], tmp_path: Path
) -> None:
    """ARM reads fail mid-outage (obs.error), SIGKILL right then, `restore --latest`: as before."""
    runs = tmp_path / "runs"
    env = dict(
        os.environ,
        KILLER_FAULTS_AFTER="phase:phase=observe",
        KILLER_ADMIN_URL=twin.info["admin"]["url"],
        KILLER_ADMIN_TOKEN=twin.info["admin"]["token"],
    )
    try:
        journal = run_killed(twin, crash_drill(tmp_path, "delete"), runs, "obs.error", 1, env=env)
    finally:
        twin.clear_faults()
    killed = read_journal(journal)
    restore_latest(runs)
    assert_world_is_the_snapshot(reader, pristine, journal)
    assert_killed_at(killed, "obs.error", 1)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["intent", "result", "phase-observe", "restore.intent"])
def test_journal_lost_entirely_then_restore_scan(
    point: str,
    twin: SandboxProcess,
    reader: WorldReader,
    pristine: dict[str, Any],
    tmp_path: Path,
) -> None:
    """SIGKILL after this record, then the whole runs directory lost: ``restore --scan`` puts
    the world back from the markers the changed objects carry, with no journal at all."""
    import shutil

    kind, nth, variant = RUN_POINTS[point]
    runs = tmp_path / "runs"
    drill = crash_drill(tmp_path, variant)
    journal = run_killed(twin, drill, runs, kind, nth)
    snapshot = [r for r in read_journal(journal) if isinstance(r, SnapshotTaken)]
    shutil.rmtree(runs)
    result = CliRunner().invoke(cli, [
        "restore", "--scan", "--drill", str(drill), "--attach", str(twin.state_dir), "--yes",
        "--runs-dir", str(tmp_path / "scan"),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    after = reader.state()
    assert after == pristine
    for record in snapshot:
        for item in record.items:
            assert after[item.what] == item.value, item
