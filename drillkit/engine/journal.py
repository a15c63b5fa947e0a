"""The run journal: write-ahead, append-only JSON lines, each one fsynced before ``append``
returns (appends from several threads at once share an fsync: group commit).

Records are the typed classes of ``engine/records.py``; ``append`` stamps ``seq``, ``mono`` and
``wall``. A journal cannot be lost silently:

- creating one fsyncs the file and its directories, so the run's directory survives a crash;
- every append first checks the file's tail: a line torn by a crash (or garbage written by
  someone else) is terminated, so the next record starts on a line of its own;
- a short write is completed; a write that fails is cut off again (best effort) and raises
  ``JournalWriteError``: the record is not durable, so the change it announces must not be made;
- ``reserve`` sets space aside when a run starts (``posix_fallocate`` of a spare file next to
  the journal): an append that meets ENOSPC frees the reserve and tries once more.

The records written (and those that could not be) stay in memory: after a change, restore works
from them even when the disk refuses to take another byte.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import threading
from pathlib import Path

import structlog

from drillkit.adapters.ports import Clock
from drillkit.core.redact import redact
from drillkit.engine.journal_scan import scan_journal
from drillkit.engine.records import R, Record, from_json, to_json
from drillkit.errors import JournalWriteError

JOURNAL_NAME = "journal.jsonl"
RESERVE_NAME = "journal.reserve"
RESERVE_BYTES = 8 * 1024 * 1024
"""Space set aside per run: a day-long drill's observations fit several times over."""

log = structlog.get_logger()


def write(fd: int, data: bytes) -> int:
    """The file seam: ``os.write``. Tests replace it to inject ENOSPC and short writes."""
    return os.write(fd, data)


def fsync(fd: int) -> None:
    """The file seam: ``os.fsync``."""
    os.fsync(fd)


def fsync_dir(path: Path) -> None:
    """Make a directory entry durable (best effort where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Journal:
    """An open journal; ``append`` is thread-safe and durable when it returns.

    Open one through ``RunStore.create`` (a new run) or ``RunStore.open`` (an existing run).
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()  # one fsync at a time; the others wait and share it
        existed = path.exists()
        scan = scan_journal(path) if existed else None
        self.problems = scan.problems if scan is not None else []
        """Lines of the file that could not be read when it was opened."""
        self._records: list[Record] = scan.records if scan is not None else []
        self._seq = max((r.seq for r in self._records), default=0)
        self.unwritten: list[Record] = []
        """Records that could not be made durable (they are in ``records()`` all the same)."""
        self.failure: JournalWriteError | None = None
        """The first write failure, if any."""
        try:
            if not existed:
                _make_dirs(path.parent)
            self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            if not existed:
                fsync(self._fd)
                fsync_dir(path.parent)
        except OSError as e:
            raise JournalWriteError(f"cannot open the journal {path}: {e.strerror or e}") from e
        self._end = os.fstat(self._fd).st_size
        self._synced = self._end
        self._needs_newline = self._tail_is_torn()

    @property
    def run_dir(self) -> Path:
        return self.path.parent

    @property
    def durable(self) -> bool:
        """Every record appended since opening is on disk."""
        return not self.unwritten

    def reserve(self, nbytes: int = RESERVE_BYTES) -> None:
        """Set ``nbytes`` aside next to the journal, freed when an append meets ENOSPC."""
        reserve = self.path.parent / RESERVE_NAME
        try:
            fd = os.open(reserve, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, nbytes)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            reserve.unlink(missing_ok=True)
            raise JournalWriteError(
                f"cannot reserve {nbytes // 1024} KiB for the journal in {self.path.parent}: "
                f"{e.strerror or e}"
            ) from e

    def release_reserve(self, *, quiet: bool = False) -> bool:
        """Free the reserved space; True when there was some."""
        reserve = self.path.parent / RESERVE_NAME
        try:
            reserve.unlink()
        except FileNotFoundError:
            return False
        except OSError:
            return False
        if not quiet:
            log.warning("drill.journal.reserve_released", journal=str(self.path))
        return True

    def append(self, record: R) -> R:
        """Stamp, redact, write and fsync one record; returns it as stamped.

        Raises ``JournalWriteError`` when the record cannot be made durable; it is kept in
        memory (``records()``, ``unwritten``) all the same.
        """
        with self._lock:
            stamped = dataclasses.replace(
                record,
                seq=self._seq + 1,
                mono=round(self._clock.monotonic(), 6),
                wall=round(self._clock.wall(), 6),
            )
            data = to_json(stamped)
            clean = redact(data)
            if clean != data:  # keep what is in memory as secret-free as the file
                stamped = from_json(clean)  # type: ignore[assignment]
            line = json.dumps(clean, separators=(",", ":"), default=str) + "\n"
            self._seq += 1
            self._records.append(stamped)
            try:
                self._write(line.encode("utf-8"))
            except OSError as e:
                raise self._failed(stamped, e) from e
            written = self._end
        try:
            self._sync(written)
        except OSError as e:
            with self._lock:
                raise self._failed(stamped, e) from e
        return stamped

    def _failed(self, stamped: Record, e: OSError) -> JournalWriteError:
        """Note a record that could not be made durable (under ``_lock``)."""
        self.unwritten.append(stamped)
        failure = JournalWriteError(
            f"cannot write the {stamped.kind} record (seq {stamped.seq}) to "
            f"{self.path}: {e.strerror or e}"
        )
        self.failure = self.failure or failure
        return failure

    def _write(self, data: bytes) -> None:
        """Write one record (under ``_lock``); a failed write is cut off again."""
        if self._fd < 0:
            raise OSError(errno.EBADF, "the journal is closed")
        if self._needs_newline or os.fstat(self._fd).st_size != self._end:
            # Someone else wrote (a torn record, a stray line): start on a line of our own.
            self._end = os.fstat(self._fd).st_size
            if self._tail_is_torn():
                data = b"\n" + data
            self._needs_newline = False
        try:
            try:
                self._write_all(data)
            except OSError as e:
                if e.errno != errno.ENOSPC or not self.release_reserve():
                    raise
                self._cut_back()
                self._write_all(data)
        except OSError:
            self._cut_back()
            raise
        self._end += len(data)

    def _sync(self, upto: int) -> None:
        """Return once the file is durable up to byte ``upto``. Group commit: an append whose
        bytes an fsync that started after them covered needs no fsync of its own, so threads
        appending at once (a drain's evictions) wait for one fsync instead of queueing one each.
        A failed fsync raises for every append that waited on it; their records stay in the file
        (they may not be durable) and the changes they announce are not made."""
        with self._sync_lock:
            if self._synced >= upto:
                return
            with self._lock:
                target, fd = self._end, self._fd
            if fd < 0:
                raise OSError(errno.EBADF, "the journal is closed")
            fsync(fd)
            self._synced = target

    def _write_all(self, data: bytes) -> None:
        done = 0
        while done < len(data):
            written = write(self._fd, data[done:])
            if written <= 0:
                raise OSError(errno.EIO, "the write made no progress")
            done += written

    def _cut_back(self) -> None:
        """Remove a partly written record; if that fails, the next append terminates it."""
        try:
            os.ftruncate(self._fd, self._end)
        except OSError:
            self._needs_newline = True

    def _tail_is_torn(self) -> bool:
        if self._end == 0:
            return False
        return os.pread(self._fd, 1, self._end - 1) != b"\n"

    def records(self) -> list[Record]:
        """A copy of every record appended or read so far (durable or not)."""
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


def _make_dirs(path: Path) -> None:
    """``mkdir -p`` that fsyncs each parent whose entries it changed."""
    missing: list[Path] = []
    for parent in (path, *path.parents):
        if parent.exists():
            break
        missing.append(parent)
    path.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        fsync_dir(created.parent)
