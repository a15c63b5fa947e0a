"""A real full disk: a small tmpfs made by the test (root only): preflight refuses a runs dir
without room, and the journal's reserve carries appends through a disk that filled up."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.engine.journal import RESERVE_NAME
from drillkit.engine.records import Mark, read_journal
from drillkit.engine.runner import Runner, RunOptions
from drillkit.engine.runs import RunStore
from drillkit.errors import JournalWriteError, PreflightRefused
from tests.engine.fakes import FakeWorld, make_drill


def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        timeout=10,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode()[:200]}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=10, check=False)


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Path]:
    yield from _tmpfs(tmp_path / "tiny", "64k")


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Path]:
    yield from _tmpfs(tmp_path / "small", "1m")


def test_a_runs_dir_on_a_64k_tmpfs_is_refused(tiny: Path, world: FakeWorld) -> None:
    """Runs and evidence dirs on a 64 KiB tmpfs: exit 3 naming both and their free space,
    nothing changed, no traceback (issue 18, scenarios 2 and 8)."""
    options = RunOptions(
        drill=make_drill(),
        drill_path=tiny / "drill.yaml",
        runs_dir=tiny / "runs",
        evidence_dir=tiny / "evidence",
    )
    with pytest.raises(PreflightRefused) as refused:
        Runner(options, world.connections())
    message = str(refused.value)
    assert "runs dir (--runs-dir)" in message and "evidence dir (--evidence-dir)" in message
    assert "KiB free" in message and "nothing was changed" in message
    assert all(not c.mutations() for c in world.clusters.values())


def test_the_reserve_carries_the_journal_through_a_full_disk(small: Path) -> None:
    """A 1 MiB tmpfs, 256 KiB reserved, the rest filled by someone else: appends meet a real
    ENOSPC, free the reserve and go on; once that is used up too, JournalWriteError."""
    journal = RunStore(small / "runs").create("run-1", SystemClock())
    journal.reserve(256 * 1024)
    fd = os.open(small / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    record = Mark(name="x" * 2000)
    written = 0
    with pytest.raises(JournalWriteError, match="No space left"):
        while True:
            journal.append(record)
            written += 1
    journal.close()
    assert not (journal.run_dir / RESERVE_NAME).exists()
    assert written > 100  # the 256 KiB reserve held a hundred 2 KiB records
    assert len(read_journal(journal.path)) == written
