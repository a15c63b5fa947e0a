"""Fixtures: one running Traffic Manager twin (DNS over UDP and TCP, ARM over HTTPS) per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.twin.tm.conftest import FAST_SCALE, TwinThread, world_at


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwinThread]:
    """The default world's twin with compressed timings, served from a background loop."""
    world = world_at(FAST_SCALE)
    with TwinThread(world, tmp_path_factory.mktemp("fuzz-tm")) as running:
        yield running
