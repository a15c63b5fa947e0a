"""Shared fixtures: where the shipped drills live, and a drill-file factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

ROOT = Path(__file__).resolve().parents[1]
DRILLS = ROOT / "drills"
US_OUTAGE = DRILLS / "sandbox" / "us-outage.yaml"
AKS_EXAMPLE = DRILLS / "examples" / "aks-geo-nested.yaml"
LOOSE_RTO = "600s"
"""The ``rto`` objective of test drills that check something other than the objective. The
shipped drill's 120 s is a measurement target (docs/benchmarks.md: median 103 s, max 112 s with
the realistic twin), and at timeScale 0.1 every second drillkit itself spends (a drain on a
loaded machine) counts as ten real-world seconds: such a test must not fail on the load."""


def loose_rto(drill: dict[str, Any]) -> dict[str, Any]:
    """``drill`` (a loaded drill document) with the :data:`LOOSE_RTO` objective."""
    drill.setdefault("objectives", {})["rto"] = LOOSE_RTO
    return drill


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Each test starts and ends with structlog's defaults: configuring it is global state."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
def write_drill(tmp_path: Path) -> Callable[..., Path]:
    """Write a drill file next to a world file and a runbook; returns its path."""
    (tmp_path / "world.yaml").write_text("# placeholder world\n", encoding="utf-8")
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "regional-failover.md").write_text("# runbook\n", encoding="utf-8")
    drills = tmp_path / "drills" / "sandbox"
    drills.mkdir(parents=True)
    (drills / "world.yaml").write_text("# placeholder world\n", encoding="utf-8")

    def write(text: str | bytes, name: str = "drill.yaml") -> Path:
        path = drills / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def us_outage_text() -> str:
    """The reference sandbox drill of DRILL-FORMAT.md, as shipped."""
    return US_OUTAGE.read_text(encoding="utf-8")
