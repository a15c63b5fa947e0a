"""The run journal: durable, append-only, crash-tolerant, secret-free."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.engine.journal import Journal, find_journal, read_journal
from drillkit.errors import DrillkitError


def test_every_record_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """append() returns only after an fsync of that record."""
    synced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with Journal.create(tmp_path, "run-1", SystemClock()) as journal:
        journal.append("a")
        journal.append("b", x=1)
    assert len(synced) == 2
    assert [r["kind"] for r in read_journal(tmp_path / "run-1" / "journal.jsonl")] == ["a", "b"]


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    """A record cut short by SIGKILL does not hide the records before it."""
    with Journal.create(tmp_path, "run-1", SystemClock()) as journal:
        journal.append("snapshot", items=[])
    path = tmp_path / "run-1" / "journal.jsonl"
    with path.open("a") as f:
        f.write('{"seq": 2, "kind": "inte')
    assert [r["kind"] for r in read_journal(path)] == ["snapshot"]


def test_reopening_continues_the_sequence(tmp_path: Path) -> None:
    """A journal reopened by `drillkit restore` appends after the last record."""
    with Journal.create(tmp_path, "run-1", SystemClock()) as journal:
        journal.append("a")
    with Journal(tmp_path / "run-1" / "journal.jsonl", SystemClock()) as journal:
        journal.append("b")
    assert [r["seq"] for r in read_journal(tmp_path / "run-1" / "journal.jsonl")] == [1, 2]


def test_secrets_are_redacted(tmp_path: Path) -> None:
    """Token-like fields and bearer strings never reach the file."""
    with Journal.create(tmp_path, "run-1", SystemClock()) as journal:
        journal.append("x", token="s3cr3t-value", note="Authorization: Bearer abc.def.ghi")
    text = (tmp_path / "run-1" / "journal.jsonl").read_text()
    assert "s3cr3t-value" not in text and "abc.def.ghi" not in text
    assert "[redacted]" in text


def test_a_run_cannot_reuse_a_journal(tmp_path: Path) -> None:
    """Creating a journal for an existing run id refuses."""
    Journal.create(tmp_path, "run-1", SystemClock()).close()
    (tmp_path / "run-1" / "journal.jsonl").write_text('{"seq":1,"kind":"a","wall":1}\n')
    with pytest.raises(DrillkitError, match="already exists"):
        Journal.create(tmp_path, "run-1", SystemClock())


def test_latest_finds_the_most_recently_started_run(tmp_path: Path) -> None:
    """--latest picks the run whose first record is newest."""
    for name, wall in (("b-run", 200.0), ("a-run", 300.0), ("c-run", 100.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "journal.jsonl").write_text(f'{{"seq":1,"kind":"x","wall":{wall}}}\n')
    assert find_journal(None, tmp_path, latest=True).parent.name == "a-run"
    assert find_journal("c-run", tmp_path).parent.name == "c-run"
    with pytest.raises(DrillkitError, match="no run 'zzz'"):
        find_journal("zzz", tmp_path)


def test_latest_skips_runs_that_changed_nothing(tmp_path: Path) -> None:
    """--latest prefers the newest run with an intent over a later refused run."""
    crashed = '{"seq":1,"kind":"run.started","wall":100}\n{"seq":2,"kind":"intent","wall":101}\n'
    refused = '{"seq":1,"kind":"run.started","wall":200}\n{"seq":2,"kind":"refused","wall":201}\n'
    for name, text in (("crashed", crashed), ("refused", refused)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "journal.jsonl").write_text(text)
    assert find_journal(None, tmp_path, latest=True).parent.name == "crashed"
