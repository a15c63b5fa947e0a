"""The run journal: write-ahead, append-only JSON lines, one fsync per record.

Records are the typed classes of ``engine/records.py``; ``append`` stamps ``seq``, ``mono`` and
``wall``. A record torn by a crash (the last line) is skipped when reading, and terminated before
anything is appended after it, so that ``drillkit restore``'s records stay readable.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from pathlib import Path

from drillkit.adapters.ports import Clock
from drillkit.core.redact import redact
from drillkit.engine.records import R, Record, from_json, read_journal, to_json

JOURNAL_NAME = "journal.jsonl"


class Journal:
    """An open journal; ``append`` is thread-safe and durable when it returns.

    Open one through ``RunStore.create`` (a new run) or ``RunStore.open`` (an existing run).
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._records: list[Record] = read_journal(path) if path.exists() else []
        self._seq = max((r.seq for r in self._records), default=0)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        _terminate_torn_line(path, self._fd)

    @property
    def run_dir(self) -> Path:
        return self.path.parent

    def append(self, record: R) -> R:
        """Stamp, redact, write and fsync one record; returns it as stamped."""
        with self._lock:
            self._seq += 1
            stamped = dataclasses.replace(
                record,
                seq=self._seq,
                mono=round(self._clock.monotonic(), 6),
                wall=round(self._clock.wall(), 6),
            )
            data = to_json(stamped)
            clean = redact(data)
            if clean != data:  # keep what is in memory as secret-free as the file
                stamped = from_json(clean)  # type: ignore[assignment]
            line = json.dumps(clean, separators=(",", ":"), default=str) + "\n"
            os.write(self._fd, line.encode("utf-8"))
            os.fsync(self._fd)
            self._records.append(stamped)
            return stamped

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


def _terminate_torn_line(path: Path, fd: int) -> None:
    """End a line torn by a crash, so the next record starts on a line of its own."""
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as f:
        f.seek(size - 1)
        if f.read(1) != b"\n":
            os.write(fd, b"\n")
            os.fsync(fd)
