"""Real Alertmanager and Pushgateway, one of each per test module (start-up is ~0.5 s)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drillkit.adapters import retry
from tests.e2e.conftest import _reset_logging, drill_file, healthy_twin, sandbox, twin
from tests.unattended import servers

__all__ = ["_reset_logging", "drill_file", "healthy_twin", "sandbox", "twin"]


@pytest.fixture(scope="module")
def alertmanager_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real Alertmanager on loopback, with no alerts and no silences yet."""
    with servers.alertmanager(Path(tmp_path_factory.mktemp("alertmanager"))) as url:
        yield url


@pytest.fixture
def pushgateway_url(tmp_path: Path) -> Iterator[str]:
    """Base URL of a real, empty Pushgateway on loopback."""
    with servers.pushgateway(tmp_path / "pushgateway") as url:
        yield url


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    retry.set_testing(True)
    yield
    retry.set_testing(False)
