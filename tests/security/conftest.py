"""One `drillkit sandbox up` twin (the default world) for the security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chaos.harness import SandboxProcess, WorldReader, eventually, write_world


@pytest.fixture(scope="package")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    folder = tmp_path_factory.mktemp("security")
    world = write_world(folder / "drills", 0.1)
    sandbox = SandboxProcess(folder / "state", world)
    try:
        reader = WorldReader(sandbox.info)
        try:
            eventually(reader.healthy, 60)
        finally:
            reader.close()
        yield sandbox
    finally:
        sandbox.stop()
