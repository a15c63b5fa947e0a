"""One `drillkit sandbox up` twin per module (timeScale 0.05) and a reader of its world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.harness import SandboxProcess, WorldReader, eventually, write_world

CRASH_TIME_SCALE = 0.05


@pytest.fixture(scope="module")
def twin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash")
    write_world(folder / "drills", CRASH_TIME_SCALE)
    return folder


@pytest.fixture(scope="module")
def twin(twin_dir: Path) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess(twin_dir / "state", twin_dir / "drills" / "world.yaml")
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def reader(twin: SandboxProcess) -> Iterator[WorldReader]:
    world = WorldReader(twin.info)
    try:
        eventually(world.healthy, 60)
        yield world
    finally:
        world.close()


@pytest.fixture
def pristine(reader: WorldReader) -> Iterator[dict[str, Any]]:
    """The world's state with the twin healthy; the next case starts healthy again."""
    eventually(reader.healthy, 60)
    yield reader.state()
    eventually(reader.healthy, 60)
