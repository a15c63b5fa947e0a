"""One `drillkit sandbox up` twin per module (the default world), its fault knobs, its world."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.harness import SandboxProcess, WorldReader, eventually, write_world

CHAOS_TIME_SCALE = 0.1


@pytest.fixture(scope="module")
def twin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chaos")
    write_world(folder / "drills", CHAOS_TIME_SCALE)
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
def pristine(twin: SandboxProcess, reader: WorldReader) -> Iterator[dict[str, Any]]:
    """The world's state, healthy and fault-free; faults are off again after the test."""
    twin.clear_faults()
    eventually(reader.healthy, 60)
    yield reader.state()
    twin.clear_faults()
    eventually(reader.healthy, 60)


@dataclass
class Outcome:
    """What one drillkit run under faults showed: exit status, output, logs, wall time."""

    code: int
    out: str
    err: str
    wall_s: float

    @property
    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.out)
        return doc

    def log_events(self, event: str) -> list[dict[str, Any]]:
        """The JSON log lines (stderr) of ``event``."""
        found = []
        for line in self.err.splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("event") == event:
                    found.append(entry)
        return found
