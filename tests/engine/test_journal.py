"""The run journal: durable, append-only, crash-tolerant, secret-free, typed."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.engine import journal as journal_module
from drillkit.engine.journal import Journal
from drillkit.engine.journal_scan import scan_journal
from drillkit.engine.records import (
    Intent,
    Mark,
    Refused,
    SnapshotTaken,
    read_journal,
)
from drillkit.engine.runs import RunStore


def _journal(tmp_path: Path) -> Journal:
    return RunStore(tmp_path).create("run-1", SystemClock())


def test_every_record_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """append() returns only after an fsync of that record."""
    synced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    journal = _journal(tmp_path)
    monkeypatch.setattr(os, "fsync", fsync)
    with journal:
        journal.append(Mark(name="a"))
        journal.append(Refused(reason="b"))
    assert len(synced) == 2
    assert [r.kind for r in read_journal(tmp_path / "run-1" / "journal.jsonl")] == [
        "mark",
        "refused",
    ]


def test_append_stamps_sequence_and_times(tmp_path: Path) -> None:
    """append() returns the record with its seq, monotonic and wall stamps filled in."""
    with _journal(tmp_path) as journal:
        first = journal.append(Mark(name="a", at=1.0))
        second = journal.append(Mark(name="b", at=2.0))
    assert (first.seq, second.seq) == (1, 2)
    assert second.wall >= first.wall > 0 and second.mono >= first.mono > 0
    assert read_journal(journal.path) == [first, second]


def test_a_torn_last_line_is_reported(tmp_path: Path) -> None:
    """A record cut short by SIGKILL does not hide the records before it, and is reported."""
    with _journal(tmp_path) as journal:
        journal.append(SnapshotTaken(items=()))
    path = tmp_path / "run-1" / "journal.jsonl"
    with path.open("a") as f:
        f.write('{"seq": 2, "kind": "inte')
    assert [r.kind for r in read_journal(path)] == ["snapshot"]
    (problem,) = scan_journal(path).problems
    assert problem.line == 2 and "torn last line" in problem.reason
    assert problem.excerpt.startswith("7b 22 73 65 71") and '{"seq": 2' in problem.excerpt


def test_records_appended_after_a_torn_line_are_read(tmp_path: Path) -> None:
    """`drillkit restore` reopening a journal torn by SIGKILL starts a new line: its records
    stay readable instead of being glued onto the torn one."""
    with _journal(tmp_path) as journal:
        journal.append(SnapshotTaken(items=()))
    path = tmp_path / "run-1" / "journal.jsonl"
    with path.open("a") as f:
        f.write('{"seq": 2, "kind": "inte')
    with Journal(path, SystemClock()) as journal:
        journal.append(Mark(name="restore_started"))
    assert [r.kind for r in read_journal(path)] == ["snapshot", "mark"]


def test_reopening_continues_the_sequence(tmp_path: Path) -> None:
    """A journal reopened by `drillkit restore` appends after the last record."""
    with _journal(tmp_path) as journal:
        journal.append(Mark(name="a"))
    with RunStore(tmp_path).open("run-1", SystemClock()) as journal:
        journal.append(Mark(name="b"))
    assert [r.seq for r in read_journal(tmp_path / "run-1" / "journal.jsonl")] == [1, 2]


def test_secrets_are_redacted(tmp_path: Path) -> None:
    """Token-like fields and bearer strings never reach the file, nor the records in memory."""
    with _journal(tmp_path) as journal:
        written = journal.append(Refused(reason="Authorization: Bearer abc.def.ghi"))
    text = (tmp_path / "run-1" / "journal.jsonl").read_text()
    assert "abc.def.ghi" not in text and "[redacted]" in text
    assert isinstance(written, Refused) and "abc.def.ghi" not in written.reason


def test_the_first_record_carries_the_schema_version(tmp_path: Path) -> None:
    """run.started, the first record, says which schemaVersion wrote the journal."""
    from drillkit.engine.records import SCHEMA_VERSION, RunStarted

    with _journal(tmp_path) as journal:
        journal.append(RunStarted(run_id="run-1", drill={}))
    first = json.loads((tmp_path / "run-1" / "journal.jsonl").read_text().splitlines()[0])
    assert first["kind"] == "run.started" and first["schemaVersion"] == SCHEMA_VERSION == 2


def test_an_intent_keeps_only_the_fields_it_has(tmp_path: Path) -> None:
    """An intent's absent optional fields are left out of its line, and read back as None."""
    with _journal(tmp_path) as journal:
        journal.append(Intent(id="m1", action="evict", region="us", pod="shop/web-1"))
    line = json.loads((tmp_path / "run-1" / "journal.jsonl").read_text())
    assert set(line) == {"seq", "kind", "mono", "wall", "id", "action", "region", "pod"}
    (intent,) = read_journal(journal.path)
    assert isinstance(intent, Intent) and intent.item is None and intent.pod == "shop/web-1"


def test_appends_from_many_threads_share_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 threads appending at once (a drain's evictions) wait for shared fsyncs, not one each
    in a queue, and each append returns only once an fsync begun after its write has ended."""
    journal = _journal(tmp_path)
    path = tmp_path / "run-1" / "journal.jsonl"
    synced_up_to: list[int] = []  # file size when each fsync began, in completion order

    def slow_fsync(fd: int) -> None:
        size = os.fstat(fd).st_size
        time.sleep(0.05)
        os.fsync(fd)
        synced_up_to.append(size)

    monkeypatch.setattr(journal_module, "fsync", slow_fsync)
    gate = threading.Barrier(16, timeout=5)
    durable: list[bool] = []

    def one(n: int) -> None:
        gate.wait()
        journal.append(Mark(name=f"m{n}"))
        data = path.read_bytes()
        end = data.index(b"\n", data.index(f'"m{n}"'.encode()))
        durable.append(any(size > end for size in synced_up_to))

    with journal:
        threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert durable == [True] * 16
    assert len(synced_up_to) < 16
    assert sorted(r.name for r in read_journal(path)) == sorted(f"m{n}" for n in range(16))  # type: ignore[attr-defined]
