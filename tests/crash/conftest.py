"""One `drillkit sandbox up` twin per module (timeScale 0.05) and a reader of its world; the
`twin` and `reader` fixtures are the chaos suite's, started from this folder's `twin_dir`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaos import conftest as chaos
from tests.chaos.harness import WorldReader, eventually, write_world

CRASH_TIME_SCALE = 0.05
twin = chaos.twin
reader = chaos.reader


@pytest.fixture(scope="module")
def twin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash")
    write_world(folder / "drills", CRASH_TIME_SCALE)
    return folder


@pytest.fixture
def pristine(reader: WorldReader) -> Iterator[dict[str, Any]]:
    """The world's state with the twin healthy; the next case starts healthy again."""
    eventually(reader.healthy, 60)
    yield reader.state()
    eventually(reader.healthy, 60)
