"""Restore says which items it put back and which were already as the snapshot."""

from __future__ import annotations

from pathlib import Path

from drillkit.engine.faults import World
from drillkit.engine.restore import ALREADY, PUT_BACK, restore
from tests.engine.fakes import FakeWorld
from tests.engine.test_restore import _journal


def test_first_restore_puts_back_then_a_second_finds_it_already_back(
    tmp_path: Path, world: FakeWorld
) -> None:
    """The first restore reports "put back"; running it again reports "already as snapshot"."""
    journal = _journal(tmp_path, world)
    live = World(world.clusters, world.tm)  # type: ignore[arg-type]
    (first,) = restore(journal.records(), live, journal)
    (second,) = restore(journal.records(), live, journal)
    assert (
        (first.detail, second.detail) == (PUT_BACK, ALREADY) == ("put back", "already as snapshot")
    )
