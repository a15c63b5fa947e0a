"""A journal cannot be lost silently: damaged lines, torn tails, full disks and short writes."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.core.timeline import RestoreOutcome
from drillkit.engine import journal as journal_module
from drillkit.engine.journal import RESERVE_NAME, Journal
from drillkit.engine.journal_scan import scan_journal
from drillkit.engine.records import Intent, Mark, read_journal
from drillkit.engine.recovery import recover
from drillkit.engine.restore import leftovers
from drillkit.engine.runner import Runner, RunOptions
from drillkit.engine.runs import RunStore
from drillkit.errors import JournalWriteError
from tests.engine.fakes import FakeWorld, make_drill


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


def died_in_observe(
    tmp_path: Path, world: FakeWorld | None = None
) -> tuple[FakeWorld, Path, list[str]]:
    """A drain run on the fakes whose journal is cut at its restore phase, its cordons back on
    the world: as if it had died during observe. Returns the world, journal and cordoned items."""
    world = world or FakeWorld()
    options = RunOptions(
        drill=make_drill(restore={"deadline": "1s"}),
        drill_path=tmp_path / "drill.yaml",
        runs_dir=tmp_path / "runs",
        evidence_dir=tmp_path / "evidence",
    )
    result = Runner(options, world.connections()).run()
    journal = result.journal_path
    lines = journal.read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"phase":"restore"' in line)
    journal.write_bytes(b"".join(lines[:cut]))
    cordoned = [r for r in read_journal(journal) if isinstance(r, Intent) and r.action == "cordon"]
    for intent in cordoned:
        world.clusters["us"].nodes[intent.item.split("/")[2].split()[0]] = True
    return world, journal, [str(i.item) for i in cordoned]


def _damage_lines(journal: Path, marker: bytes, edit: Callable[[bytes], bytes]) -> None:
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(edit(line) if marker in line else line for line in lines))


def test_garbage_inside_the_snapshot_line_never_hides_an_intent(tmp_path: Path) -> None:
    """Garbage inside the snapshot line: restore from the journal cannot know the values
    before, so each changed item is a failed check naming it (exit 5), never "0 checked"."""
    world, journal, cordoned = died_in_observe(tmp_path)
    assert cordoned
    _damage_lines(journal, b'"kind":"snapshot"', lambda line: line[:40] + b"GARBAGE" + line[40:])
    recovery = recover(journal, world.connections())
    assert [p.line for p in recovery.problems] and not recovery.complete
    failed = {c.what: c for c in recovery.checks if c.outcome is RestoreOutcome.FAILED}
    assert sorted(failed) == sorted(cordoned)
    named = "\n".join(leftovers(recovery.checks))
    for item in cordoned:
        assert f"snapshot line unreadable; drillkit changed {item} (cordon, wrote true)" in named


def test_an_intent_that_cannot_be_typed_still_restores_and_is_reported(tmp_path: Path) -> None:
    """An intent line that is JSON but lacks its id: the line is reported as a problem, and
    the item it names is still put back from the snapshot."""
    world, journal, cordoned = died_in_observe(tmp_path)
    _damage_lines(journal, b'"kind":"intent"', lambda line: line.replace(b'"id":', b'"iX":'))
    assert any("not a valid intent record" in p.reason for p in scan_journal(journal).problems)
    recovery = recover(journal, world.connections())
    assert recovery.complete and recovery.problems
    assert sorted(c.what for c in recovery.checks) == sorted(cordoned)
    assert not any(world.clusters["us"].nodes.values())


def test_an_item_without_snapshot_that_a_later_restore_put_back_is_not_failed() -> None:
    """An intent with no readable snapshot is a failed check, unless a restore journalled
    after it already found that item restored."""
    from drillkit.engine.records import RestoreChecked
    from drillkit.engine.restore import lost_snapshots

    what = "us/node/us-node-1 spec.unschedulable"
    intent = Intent(id="m1", action="cordon", item=what, value=True)
    back = RestoreChecked(what=what, expected="false", actual="false", outcome="restored")
    (check,) = lost_snapshots([intent])
    assert check.what == what and check.outcome is RestoreOutcome.FAILED
    assert lost_snapshots([intent, back]) == []
    assert len(lost_snapshots([back, intent])) == 1
