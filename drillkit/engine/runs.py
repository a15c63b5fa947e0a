"""The run store: one directory per run under ``.drillkit/runs``, each holding its journal.

Every command that creates or finds runs goes through ``RunStore`` (run, restore, report, and
the history and ``--latest`` options built on them).
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drillkit.adapters.ports import Clock
from drillkit.engine.journal import JOURNAL_NAME, Journal
from drillkit.engine.records import (
    Intent,
    RecoveryFinished,
    RunFinished,
    RunStarted,
    VerdictReached,
    head,
    read_journal,
)
from drillkit.errors import DrillkitError

DEFAULT_RUNS_DIR = Path(".drillkit") / "runs"
RUN_LOCK_NAME = "run.lock"
"""flock-ed by the process working on a run (the run itself, or `drillkit restore`)."""
_SUMMARY_KINDS = (RunStarted, Intent, VerdictReached, RecoveryFinished, RunFinished)


def new_run_id(drill_name: str, now: float) -> str:
    """``<UTC time>-<drill>-<random>``: sortable, unique, readable."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{drill_name}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run as a listing shows it, read from its journal."""

    run_id: str
    journal: Path
    started_at: float
    """Epoch seconds of the first record (the file's mtime when it has none)."""
    drill: str
    """The drill's name ('' when the journal has no run.started)."""
    changed: bool
    """It journalled at least one intent: it may have changed the world."""
    finished: bool
    """The run wrote run.finished (it did not crash)."""
    restored: bool | None
    """What its last restore said (the run's verdict or a later `drillkit restore`); None when
    no restore finished (a crash)."""
    verdict: str | None
    """The run's verdict (pass, fail, aborted, refused, ...), None when it has none."""
    started: bool = False
    """It wrote run.started."""
    restored_at: float | None = None
    """Epoch seconds of the record that says it is all back (None when none does)."""
    recovered: bool = False
    """A `drillkit restore` finished on it (and released its lock)."""

    @property
    def unfinished(self) -> bool:
        """Its restore is not finished: it died (or still runs) before run.finished and no
        `drillkit restore` finished on it since (it may hold the lock, whatever its verdict),
        or it changed something and its last restore did not put it all back."""
        if self.started and not self.finished and not self.recovered:
            return True  # it died (or still runs): it may hold the lock, whatever its verdict
        return self.changed and self.restored is not True

    @property
    def finish_command(self) -> str:
        """The command that finishes its restore."""
        return f"drillkit restore {self.run_id} --runs-dir {self.journal.parent.parent} --yes"


class RunStore:
    """The runs under one directory."""

    def __init__(self, root: Path = DEFAULT_RUNS_DIR) -> None:
        self.root = root

    def create(self, run_id: str, clock: Clock) -> Journal:
        """A new run's journal; refuses a run id that already has one."""
        path = self.root / run_id / JOURNAL_NAME
        if path.exists():
            raise DrillkitError(f"journal {path} already exists; refusing to mix two runs")
        return Journal(path, clock)

    def find(self, ref: str) -> Path:
        """A journal from a run id, a run directory or a journal path."""
        path = Path(ref)
        for candidate in (path, path / JOURNAL_NAME, self.root / ref / JOURNAL_NAME):
            if candidate.is_file():
                return candidate
        raise DrillkitError(
            f"no run {ref!r}: not a journal file, nor a run under {self.root}; "
            "list runs with `ls` there or pass --runs-dir"
        )

    def open(self, ref: str, clock: Clock) -> Journal:
        """An existing run's journal, to append to (``drillkit restore``)."""
        return Journal(self.find(ref), clock)

    def summary(self, journal: Path) -> RunSummary:
        """What a listing shows of the run whose journal is ``journal``."""
        records = read_journal(journal, _SUMMARY_KINDS)
        started = next((r for r in records if isinstance(r, RunStarted)), None)
        restored: bool | None = None
        restored_at: float | None = None
        verdict: str | None = None
        for record in records:
            if isinstance(record, VerdictReached | RecoveryFinished):
                restored = record.restored
                restored_at = record.wall if record.restored else None
            if isinstance(record, VerdictReached):
                verdict = record.outcome
            elif isinstance(record, RunFinished):
                verdict = verdict or record.verdict
        return RunSummary(
            run_id=journal.parent.name,
            journal=journal,
            started_at=_started_at(journal),
            drill=str(started.drill.get("metadata", {}).get("name", "")) if started else "",
            changed=any(isinstance(r, Intent) for r in records),
            finished=any(isinstance(r, RunFinished) for r in records),
            restored=restored,
            verdict=verdict,
            started=started is not None,
            restored_at=restored_at,
            recovered=any(isinstance(r, RecoveryFinished) for r in records),
        )

    def list(self) -> builtins.list[RunSummary]:
        """Every run, oldest first."""
        if not self.root.is_dir():
            return []
        journals = [c / JOURNAL_NAME for c in self.root.iterdir() if (c / JOURNAL_NAME).is_file()]
        return sorted((self.summary(j) for j in journals), key=lambda s: (s.started_at, s.run_id))

    def latest(self, *, changed: bool = False) -> RunSummary:
        """The most recently started run; with ``changed``, the latest that changed something
        (a run refused after a crash, e.g. by the crashed run's lock, must not hide the crash),
        or the latest of all when none did."""
        runs = self.list()
        if not runs:
            raise DrillkitError(
                f"no run journal under {self.root}; pass --runs-dir or a journal path"
            )
        if changed:
            runs = [r for r in runs if r.changed] or runs
        return runs[-1]

    def latest_unfinished(self) -> RunSummary | None:
        """The most recent run whose restore is unfinished, if any."""
        return next((r for r in reversed(self.list()) if r.unfinished), None)

    def unfinished(self) -> builtins.list[RunSummary]:
        """Every run whose restore is unfinished, oldest first."""
        return [r for r in self.list() if r.unfinished]


def busy(run_dir: Path) -> bool:
    """Another process holds the run's lock (it is running, or being restored)."""
    try:
        fd = os.open(run_dir / RUN_LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def run_lock(run_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the run's flock for the block: one process at a time works on a run. When another
    holds it, ``on_wait`` is called once, and the lock is waited for."""
    fd = os.open(run_dir / RUN_LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _started_at(journal: Path) -> float:
    record = head(journal)
    return record.wall if record is not None and record.wall else journal.stat().st_mtime
