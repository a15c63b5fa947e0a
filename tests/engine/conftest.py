"""Engine tests: zero retry backoff, and a fake two-region world per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drillkit.adapters import retry
from tests.engine.fakes import FakeWorld


@pytest.fixture(autouse=True)
def _zero_backoff() -> Iterator[None]:
    retry.set_testing(True)
    yield
    retry.set_testing(False)


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()
