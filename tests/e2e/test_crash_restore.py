"""Crash safety: SIGKILL at any phase boundary, then `restore --latest`, gives back the exact
pre-drill state; SIGINT and SIGTERM restore by themselves (exit 130)."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import PhaseEntered, Record, read_journal
from tests.e2e.conftest import Twin, drillkit, journal_of, stop, wait_for_record
from tests.sampling import sample

Match = Callable[[Record], bool]


def phase(name: str) -> Match:
    return lambda r: isinstance(r, PhaseEntered) and r.phase == name


def first(kind: str) -> Match:
    return lambda r: r.kind == kind


KILL_POINTS: dict[str, Match] = {
    "preflight": phase("preflight"),
    "lock": phase("lock"),
    "baseline": phase("baseline"),
    "snapshot": phase("snapshot"),
    "first-intent": first("intent"),
    "first-result": first("result"),
    "observe": phase("observe"),
    "restore": phase("restore"),
    "mid-restore": first("restore.check"),
    "failback": phase("failback"),
}
QUICK = {"first-result", "observe"}


def _start(twin: Twin, drill: Path, runs: Path, tmp_path: Path) -> Any:
    return drillkit(
        "run", str(drill), "--yes", "--attach", str(twin.state_dir), "--runs-dir", str(runs),
        "--evidence-dir", str(tmp_path / "evidence"), "--output", "json",
    )  # fmt: skip


@pytest.mark.parametrize(
    "point",
    [
        p if p in QUICK else pytest.param(p, marks=pytest.mark.slow)
        for p in KILL_POINTS
        if p in QUICK or p in sample([q for q in KILL_POINTS if q not in QUICK], 2, salt="kill")
    ],
)
def test_sigkill_then_restore_latest_gives_back_the_snapshot(
    point: str, healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """After SIGKILL at a phase boundary, `drillkit restore --latest` puts everything back."""
    before = healthy_twin.state()
    runs = tmp_path / "runs"
    proc = _start(healthy_twin, drill_file(fault__evictionTimeout="1s"), runs, tmp_path)
    wait_for_record(runs, KILL_POINTS[point], proc)
    code, _, _ = stop(proc, signal.SIGKILL)
    assert code == -signal.SIGKILL
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    assert "restored: run" in result.output
    assert healthy_twin.state() == before
    journal = journal_of(runs)
    assert journal is not None
    writes = sum(1 for r in read_journal(journal) if r.kind == "restore.intent")
    again = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert again.exit_code == 0, again.output
    assert sum(1 for r in read_journal(journal) if r.kind == "restore.intent") == writes


@pytest.mark.parametrize(
    ("sig", "point"),
    [
        (signal.SIGINT, "observe"),
        pytest.param(signal.SIGTERM, "first-result", marks=pytest.mark.slow),
        pytest.param(signal.SIGTERM, "baseline", marks=pytest.mark.slow),
    ],
)
def test_a_signal_restores_and_exits_130(
    sig: signal.Signals,
    point: str,
    healthy_twin: Twin,
    drill_file: Callable[..., Path],
    tmp_path: Path,
) -> None:
    """SIGINT or SIGTERM mid-drill restores at once and exits 130 with an aborted verdict."""
    before = healthy_twin.state()
    runs = tmp_path / "runs"
    proc = _start(healthy_twin, drill_file(fault__evictionTimeout="1s"), runs, tmp_path)
    wait_for_record(runs, KILL_POINTS[point], proc)
    code, out, err = stop(proc, sig)
    assert code == 130, err[-2000:]
    doc = json.loads(out)
    assert doc["verdict"] == "aborted" and doc["restored"] is True
    assert sig.name in doc["reason"]
    assert healthy_twin.state() == before
