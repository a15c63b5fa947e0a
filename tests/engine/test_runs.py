"""The run store: creating, finding and listing runs, and which run `--latest` means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.engine.runs import RunStore
from drillkit.errors import DrillkitError


def _run(root: Path, name: str, *records: dict[str, Any]) -> None:
    (root / name).mkdir(parents=True)
    lines = [{"seq": i, "mono": 0, **r} for i, r in enumerate(records, start=1)]
    (root / name / "journal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


def _started(wall: float) -> dict[str, Any]:
    return {"kind": "run.started", "wall": wall, "runId": "x", "drill": {"metadata": {"name": "d"}}}


def test_latest_finds_the_most_recently_started_run(tmp_path: Path) -> None:
    """latest() picks the run whose first record is newest; find() takes a run id."""
    for name, wall in (("b-run", 200.0), ("a-run", 300.0), ("c-run", 100.0)):
        _run(tmp_path, name, {"kind": "x", "wall": wall})
    store = RunStore(tmp_path)
    assert store.latest().run_id == "a-run"
    assert store.find("c-run").parent.name == "c-run"
    assert [r.run_id for r in store.list()] == ["c-run", "b-run", "a-run"]
    with pytest.raises(DrillkitError, match="no run 'zzz'"):
        store.find("zzz")


def test_find_takes_a_run_dir_or_a_journal_path(tmp_path: Path) -> None:
    """A run can be named by its directory or its journal file as well as by its id."""
    _run(tmp_path, "a-run", _started(1))
    store = RunStore(tmp_path / "elsewhere")
    assert store.find(str(tmp_path / "a-run")) == tmp_path / "a-run" / "journal.jsonl"
    journal = tmp_path / "a-run" / "journal.jsonl"
    assert store.find(str(journal)) == journal


def test_latest_changed_skips_runs_that_changed_nothing(tmp_path: Path) -> None:
    """latest(changed=True) prefers the newest run with an intent over a later refused run."""
    _run(tmp_path, "crashed", _started(100), {"kind": "intent", "wall": 101, "id": "m1",
                                              "action": "cordon"})  # fmt: skip
    _run(tmp_path, "refused", _started(200), {"kind": "refused", "wall": 201, "reason": "busy"})
    store = RunStore(tmp_path)
    assert store.latest(changed=True).run_id == "crashed"
    assert store.latest().run_id == "refused"


def test_an_empty_store_says_where_it_looked(tmp_path: Path) -> None:
    """latest() on no runs names the directory and the option to change it."""
    with pytest.raises(DrillkitError, match=r"no run journal under .*--runs-dir"):
        RunStore(tmp_path / "none").latest()


def test_latest_unfinished_is_the_newest_run_not_known_restored(tmp_path: Path) -> None:
    """A crashed run, or one whose restore was incomplete, is unfinished; a restored one is not,
    and neither is a later `drillkit restore` that finished the job."""
    intent = {"kind": "intent", "wall": 2, "id": "m1", "action": "scale"}
    _run(tmp_path, "1-crashed", _started(1), intent)
    _run(tmp_path, "2-incomplete", _started(2), intent,
         {"kind": "verdict", "wall": 3, "outcome": "restore-incomplete", "restored": False},
         {"kind": "run.finished", "wall": 3, "verdict": "restore-incomplete"})  # fmt: skip
    _run(tmp_path, "3-passed", _started(3), intent,
         {"kind": "verdict", "wall": 4, "outcome": "pass", "restored": True},
         {"kind": "run.finished", "wall": 4, "verdict": "pass"})  # fmt: skip
    store = RunStore(tmp_path)
    summaries = {s.run_id: s for s in store.list()}
    assert summaries["1-crashed"].unfinished and not summaries["1-crashed"].finished
    assert summaries["2-incomplete"].unfinished and summaries["2-incomplete"].finished
    assert not summaries["3-passed"].unfinished and summaries["3-passed"].verdict == "pass"
    assert summaries["3-passed"].drill == "d"
    unfinished = store.latest_unfinished()
    assert unfinished is not None and unfinished.run_id == "2-incomplete"
    with (tmp_path / "2-incomplete" / "journal.jsonl").open("a") as f:
        f.write(json.dumps({"seq": 9, "kind": "recovery.finished", "wall": 9, "restored": True}))
        f.write("\n")
    unfinished = store.latest_unfinished()
    assert unfinished is not None and unfinished.run_id == "1-crashed"


def test_create_refuses_an_existing_run(tmp_path: Path) -> None:
    """create() on a run id that has a journal refuses rather than mix two runs."""
    RunStore(tmp_path).create("r", SystemClock()).close()
    with pytest.raises(DrillkitError, match="already exists"):
        RunStore(tmp_path).create("r", SystemClock())


def test_latest_unfinished_is_a_run_that_died_before_its_first_intent(tmp_path: Path) -> None:
    """A run that crashed before its first intent (it may hold the Lease) is unfinished, and
    `--latest` picks it over an older run that finished and was restored (issue 18, scenarios 3
    and 9); once a restore finishes it, nothing is unfinished."""
    _run(tmp_path, "a-old", _started(100), {"kind": "intent", "wall": 101, "id": "m1",
         "action": "cordon"}, {"kind": "verdict", "wall": 102, "outcome": "pass",
         "restored": True}, {"kind": "run.finished", "wall": 103, "verdict": "pass"})  # fmt: skip
    _run(tmp_path, "b-crashed", _started(200), {"kind": "phase", "wall": 201, "phase": "lock"})
    store = RunStore(tmp_path)
    unfinished = store.latest_unfinished()
    assert unfinished is not None and unfinished.run_id == "b-crashed"
    assert [r.run_id for r in store.unfinished()] == ["b-crashed"]
    old = store.summary(tmp_path / "a-old" / "journal.jsonl")
    assert not old.unfinished and old.restored_at == 102
    with (tmp_path / "b-crashed" / "journal.jsonl").open("a") as f:
        f.write(json.dumps({"seq": 3, "kind": "recovery.finished", "wall": 300, "mono": 0,
                            "restored": True}) + "\n")  # fmt: skip
    assert store.latest_unfinished() is None


def test_a_run_killed_after_its_verdict_is_unfinished(tmp_path: Path) -> None:
    """Killed after its verdict but before run.finished (the lock is released last): the run
    may still hold the Lease, so it is unfinished until a restore finishes on it."""
    _run(tmp_path, "r", _started(100), {"kind": "intent", "wall": 101, "id": "m1",
         "action": "cordon"}, {"kind": "verdict", "wall": 102, "outcome": "pass",
         "restored": True})  # fmt: skip
    store = RunStore(tmp_path)
    assert [r.run_id for r in store.unfinished()] == ["r"]
    with (tmp_path / "r" / "journal.jsonl").open("a") as f:
        f.write(json.dumps({"seq": 4, "kind": "recovery.finished", "wall": 300, "mono": 0,
                            "restored": True}) + "\n")  # fmt: skip
    assert store.unfinished() == []
