"""The run journal: write-ahead, append-only JSON lines, one fsync per record.

Every record carries ``seq``, ``kind``, ``mono`` (monotonic seconds) and ``wall`` (epoch seconds).
A record torn by a crash (the last line) is ignored when reading.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drillkit.adapters.ports import Clock
from drillkit.core.redact import redact
from drillkit.errors import DrillkitError

JOURNAL_NAME = "journal.jsonl"
DEFAULT_RUNS_DIR = Path(".drillkit") / "runs"

Record = dict[str, Any]


def new_run_id(drill_name: str, now: float) -> str:
    """``<UTC time>-<drill>-<random>``: sortable, unique, readable."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{drill_name}-{secrets.token_hex(3)}"


class Journal:
    """An open journal; ``append`` is thread-safe and durable when it returns."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._records: list[Record] = read_journal(path) if path.exists() else []
        self._seq = self._records[-1]["seq"] if self._records else 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    @classmethod
    def create(cls, runs_dir: Path, run_id: str, clock: Clock) -> Journal:
        """A new journal at ``runs_dir/run_id/journal.jsonl``."""
        path = runs_dir / run_id / JOURNAL_NAME
        if path.exists():
            raise DrillkitError(f"journal {path} already exists; refusing to mix two runs")
        return cls(path, clock)

    @property
    def run_dir(self) -> Path:
        return self.path.parent

    def append(self, kind: str, **fields: Any) -> Record:
        """Write one record and fsync it; secrets are redacted first."""
        with self._lock:
            self._seq += 1
            record: Record = {
                "seq": self._seq,
                "kind": kind,
                "mono": round(self._clock.monotonic(), 6),
                "wall": round(self._clock.wall(), 6),
            }
            record.update(redact(fields))
            line = json.dumps(record, separators=(",", ":"), default=str) + "\n"
            os.write(self._fd, line.encode("utf-8"))
            os.fsync(self._fd)
            self._records.append(record)
            return record

    def records(self) -> list[Record]:
        """A copy of every record written or read so far."""
        with self._lock:
            return list(self._records)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path) -> list[Record]:
    """Every complete record of a journal; a torn last line (a crash mid-write) is skipped."""
    records: list[Record] = []
    with path.open("rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
            except ValueError:
                break
            if isinstance(record, dict) and "kind" in record:
                records.append(record)
    return records


def find_journal(ref: str | None, runs_dir: Path, *, latest: bool = False) -> Path:
    """A journal from a run id, a run directory, a journal path, or the latest run (the latest
    that changed something, when there is one)."""
    if latest or ref is None:
        candidates = sorted(_journals(runs_dir), key=_started)
        if not candidates:
            raise DrillkitError(
                f"no run journal under {runs_dir}; pass --runs-dir or a journal path"
            )
        # A run refused after a crash (e.g. by the crashed run's lock) must not hide the crash.
        changed = [p for p in candidates if _mutated(p)]
        return (changed or candidates)[-1]
    path = Path(ref)
    for candidate in (path, path / JOURNAL_NAME, runs_dir / ref / JOURNAL_NAME):
        if candidate.is_file():
            return candidate
    raise DrillkitError(
        f"no run {ref!r}: not a journal file, nor a run under {runs_dir}; "
        "list runs with `ls` there or pass --runs-dir"
    )


def _journals(runs_dir: Path) -> Iterator[Path]:
    if runs_dir.is_dir():
        for child in runs_dir.iterdir():
            journal = child / JOURNAL_NAME
            if journal.is_file():
                yield journal


def _mutated(path: Path) -> bool:
    """The run journalled at least one intent (it may have changed something)."""
    return any(r["kind"] == "intent" for r in read_journal(path))


def _started(path: Path) -> tuple[float, str]:
    with path.open("rb") as f:
        line = f.readline()
    try:
        return float(json.loads(line)["wall"]), path.parent.name
    except (ValueError, KeyError, TypeError):
        return path.stat().st_mtime, path.parent.name


def first(records: list[Record], kind: str) -> Record | None:
    """The first record of ``kind``."""
    return next((r for r in records if r["kind"] == kind), None)


def last(records: list[Record], kind: str) -> Record | None:
    """The last record of ``kind``."""
    return next((r for r in reversed(records) if r["kind"] == kind), None)
