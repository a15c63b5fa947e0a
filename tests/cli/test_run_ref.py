"""report and restore name a run by id, by a unique prefix of its id, or with --latest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drillkit.cli.run_ref import AmbiguousRun, resolve_run
from drillkit.engine.runs import RunStore
from drillkit.errors import DrillkitError

IDS = [
    "20261130T210000Z-us-outage-aaaaaa",
    "20261130T213000Z-us-outage-bbbbbb",
    "20261130T213500Z-eu-outage-cccccc",
]


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    """Three runs with empty journals, started (by mtime) in id order."""
    for index, run_id in enumerate(IDS):
        journal = tmp_path / run_id / "journal.jsonl"
        journal.parent.mkdir()
        journal.write_text("")
        os.utime(journal, (1_700_000_000 + index, 1_700_000_000 + index))
    return RunStore(tmp_path)


def test_exact_id_and_unique_prefix(store: RunStore) -> None:
    """A full id and a prefix matching one run both give that run's journal."""
    assert resolve_run(store, IDS[0]).parent.name == IDS[0]
    assert resolve_run(store, "20261130T2135").parent.name == IDS[2]


def test_latest_is_the_most_recent_run(store: RunStore) -> None:
    """--latest gives the most recently started run; with a run named too, it refuses."""
    assert resolve_run(store, None, latest=True).parent.name == IDS[2]
    with pytest.raises(DrillkitError, match="not both"):
        resolve_run(store, IDS[0], latest=True)


def test_ambiguous_prefix_names_the_candidates(store: RunStore) -> None:
    """A prefix of two run ids is refused, naming both, newest first."""
    with pytest.raises(AmbiguousRun) as caught:
        resolve_run(store, "20261130T21")
    assert str(caught.value) == (
        f"'20261130T21' is the start of 3 run ids ({IDS[2]}, {IDS[1]}, {IDS[0]}); "
        "type more of the one you mean"
    )


def test_unknown_ref_keeps_the_store_message(store: RunStore) -> None:
    """A ref that matches nothing gets the run store's own 'no run' message."""
    with pytest.raises(DrillkitError, match="no run 'nope'"):
        resolve_run(store, "nope")
