"""The crash matrix's step-gate point: a ``run --step`` killed right after a gate record, in a
pseudo-terminal, then `drillkit restore --latest`: the world equals the pre-drill state."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.chaos.harness import SandboxProcess, WorldReader
from tests.crash.runs import assert_world_is_the_snapshot, crash_drill, restore_latest

pytestmark = pytest.mark.chaos
# point -> (kill after the Nth record of the kind): the 2nd gate comes after inject.
STEP_POINTS: dict[str, tuple[str, int]] = {"gate": ("gate", 2)}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(STEP_POINTS))
def test_sigkill_after_a_gate_record_then_restore_latest(
    point: str,
    twin: SandboxProcess,
    reader: WorldReader,
    pristine: dict[str, Any],
    tmp_path: Path,
) -> None:
    """SIGKILL right after a gate's wait is journalled (the fault in force), then
    `restore --latest`: the world is as before."""
    kind, nth = STEP_POINTS[point]
    runs = tmp_path / "runs"
    drill = crash_drill(tmp_path, "delete")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "tests.crash.killer", kind, str(nth), "run", str(drill), "--yes", "--step",
         "--attach", str(twin.state_dir), "--runs-dir", str(runs),
         "--evidence-dir", str(tmp_path / "evidence")],
        cwd=str(Path(__file__).resolve().parents[2]), encoding="utf-8", timeout=60,
    )  # fmt: skip
    while child.expect([r"runbook section > ", pexpect.EOF]) == 0:
        child.sendline("")
    child.close()
    assert child.signalstatus == 9, child.before[-2000:]
    journal = next(runs.glob("*/journal.jsonl"))
    restore_latest(runs)
    assert_world_is_the_snapshot(reader, pristine, journal)
