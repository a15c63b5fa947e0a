"""A journal cannot be lost silently: damaged lines, torn tails, full disks and short writes."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.engine import journal as journal_module
from drillkit.engine.journal import RESERVE_NAME, Journal
from drillkit.engine.journal_scan import scan_journal
from drillkit.engine.records import Intent, Mark, read_journal
from drillkit.engine.runs import RunStore
from drillkit.errors import JournalWriteError


def _journal(tmp_path: Path) -> Journal:
    return RunStore(tmp_path).create("run-1", SystemClock())


def _intent(n: int) -> Intent:
    return Intent(id=f"m{n}", action="cordon", item=f"us/node/us-node-{n} spec.unschedulable")


def test_a_garbage_line_never_hides_the_intents_after_it(tmp_path: Path) -> None:
    """GARBAGE{ written after the first intent: every later intent still reads, and the bad
    line is reported with its number and a hexdump (issue 18, scenario 1)."""
    with _journal(tmp_path) as journal:
        journal.append(_intent(1))
        with journal.path.open("ab") as f:
            f.write(b"GARBAGE{")
        journal.append(_intent(2))
        journal.append(_intent(3))
    scan = scan_journal(journal.path)
    assert [r.id for r in scan.records if isinstance(r, Intent)] == ["m1", "m2", "m3"]
    (problem,) = scan.problems
    assert problem.line == 2 and "not JSON" in problem.reason
    assert problem.excerpt.startswith("47 41 52 42 41 47 45 7b | GARBAGE{")


def test_a_record_glued_after_garbage_is_recovered(tmp_path: Path) -> None:
    """A line holding garbage and then a whole record (the writer did not know of the garbage)
    yields the record, and the line is reported."""
    path = tmp_path / "journal.jsonl"
    path.write_bytes(
        b'{"seq":1,"kind":"mark","mono":0,"wall":0,"name":"a"}\n'
        b'GARBAGE{{"seq":2,"kind":"intent","mono":0,"wall":0,"id":"m1","action":"cordon"}\n'
        b'{"seq":3,"kind":"mark","mono":0,"wall":0,"name":"b"}\n'
    )
    scan = scan_journal(path)
    assert [r.seq for r in scan.records] == [1, 2, 3]
    assert scan.problems[0].line == 2 and "1 record(s) recovered" in scan.problems[0].reason


def test_garbage_in_the_middle_of_a_record_hides_only_that_record(tmp_path: Path) -> None:
    """Bytes overwritten inside one record cost that record alone; it is reported."""
    path = tmp_path / "journal.jsonl"
    path.write_bytes(
        b'{"seq":1,"kind":"mark","mono":0,"wall":0,"name":"a"}\n'
        b'{"seq":2,"kind":"intent","mo\x00\xffgarbage\n'
        b'{"seq":3,"kind":"mark","mono":0,"wall":0,"name":"b"}\n'
    )
    scan = scan_journal(path)
    assert [r.seq for r in scan.records] == [1, 3]
    assert [p.line for p in scan.problems] == [2]
    assert "00 ff" in scan.problems[0].excerpt


def test_appends_repair_a_tail_torn_while_the_journal_is_open(tmp_path: Path) -> None:
    """Another writer leaves a fragment without a newline mid-run: the next record still
    starts on its own line (issue 18, scenario 6)."""
    with _journal(tmp_path) as journal:
        journal.append(Mark(name="a"))
        with journal.path.open("ab") as f:
            f.write(b'{"seq": 2, "kind": "inte')
        journal.append(Mark(name="b"))
    assert [r.name for r in read_journal(journal.path) if isinstance(r, Mark)] == ["a", "b"]


def test_creating_a_journal_fsyncs_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run directory and the runs directory it was created in are fsynced on create."""
    synced: list[Path] = []
    monkeypatch.setattr(journal_module, "fsync_dir", synced.append)
    with RunStore(tmp_path / "runs").create("run-1", SystemClock()):
        pass
    assert tmp_path / "runs" / "run-1" in synced and tmp_path / "runs" in synced


def test_a_failed_write_raises_and_leaves_no_fragment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC half-way through a record: JournalWriteError, the fragment is cut off, the record
    stays in memory as unwritten, and the next append works once space is back."""
    journal = _journal(tmp_path)
    journal.append(Mark(name="a"))
    size = journal.path.stat().st_size

    def full(fd: int, data: bytes) -> int:
        os.write(fd, data[:5])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module, "write", full)
    with pytest.raises(JournalWriteError, match=r"intent record .seq 2.*No space left"):
        journal.append(_intent(1))
    assert journal.path.stat().st_size == size
    assert [r.kind for r in journal.records()] == ["mark", "intent"]
    assert [r.kind for r in journal.unwritten] == ["intent"] and not journal.durable
    monkeypatch.undo()
    journal.append(Mark(name="b"))
    journal.close()
    assert [r.seq for r in read_journal(journal.path)] == [1, 3]


def test_a_short_write_is_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.write taking three bytes at a time still yields whole records."""
    monkeypatch.setattr(journal_module, "write", lambda fd, data: os.write(fd, data[:3]))
    with _journal(tmp_path) as journal:
        journal.append(_intent(1))
        journal.append(_intent(2))
    assert [r.seq for r in read_journal(journal.path)] == [1, 2]
    assert scan_journal(journal.path).problems == []


def test_the_reserve_is_freed_when_the_disk_fills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With space reserved at run start, an append that meets ENOSPC frees the reserve and
    is written after all."""
    journal = _journal(tmp_path)
    journal.reserve(64 * 1024)
    assert (journal.run_dir / RESERVE_NAME).stat().st_size == 64 * 1024
    calls = [0]

    def once_full(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, data)

    monkeypatch.setattr(journal_module, "write", once_full)
    journal.append(_intent(1))
    journal.close()
    assert not (journal.run_dir / RESERVE_NAME).exists()
    assert [r.seq for r in read_journal(journal.path)] == [1]
