"""Replication canaries end to end: measured lag, RPO, lost writes and write-back against the
twin's ground truth (admin /events ``replicated`` and ``lost``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drillkit.adapters import retry
from drillkit.cli.main import cli
from drillkit.evidence.catalog import evidence_json_files
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from tests.conftest import DRILLS
from tests.e2e.conftest import Twin, eventually

DATA_DRILL = DRILLS / "sandbox" / "us-outage-data.yaml"
LOSSY = DRILLS / "sandbox" / "world-lossy.yaml"
TWIN_NOTICE_S = 0.05
"""The twin stamps a loss on its replication tick (5 ms), after the region went down: its `at`
can trail the target's first refused answer by that tick plus event-loop latency."""


@pytest.fixture(scope="module")
def lossy_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twin]:
    """The lossy world, serving for the module."""
    retry.set_testing(True)
    with SandboxThread(load_world(LOSSY), tmp_path_factory.mktemp("lossy")) as sb:
        twin = Twin(sb)
        eventually(twin.healthy, 30)
        yield twin
        twin.close()
    retry.set_testing(False)


def run_data_drill(twin: Twin, tmp_path: Path) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """The shipped data drill attached to ``twin``; exit code, JSON evidence, its own events."""
    result = CliRunner().invoke(
        cli,
        ["run", str(DATA_DRILL), "--yes", "--attach", str(twin.state_dir),
         "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence")],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    [path] = evidence_json_files(tmp_path / "evidence")
    doc = json.loads(path.read_text())
    prefix = f"orders-{doc['runId'].rsplit('-', 1)[-1]}-"
    events = [e for e in twin.events() if str(e.get("id", "")).startswith(prefix)]
    return result.exit_code, doc, events


def test_lag_and_write_back_match_the_twins_truth(healthy_twin: Twin, tmp_path: Path) -> None:
    """In the default world nothing is lost, every write's true lag (its `replicated` event) lies
    inside the measured interval (midpoint ± half width), and every survivor write is read back
    through us after restore. (Within one `every` of the truth is a benchmark: bench/data.py.)"""
    code, doc, events = run_data_drill(healthy_twin, tmp_path)
    assert code == 0, doc["verdict"]
    [canary] = doc["data"]["canaries"]
    truth = {e["id"]: e["at"] - e["writtenAt"] for e in events
             if e["kind"] == "replicated" and e["to"] == "eu"}  # fmt: skip
    assert canary["lostWrites"] == [] and not [e for e in events if e["kind"] == "lost"]
    assert len(canary["lagSeries"]) == canary["acked"] > 10
    for point in canary["lagSeries"]:
        assert abs(point["lagS"] - truth[point["id"]]) <= point["uncertaintyS"] + 0.001
    back = canary["writeBack"]
    assert back["accepted"] > 0 and back["readable"] == back["accepted"]
    assert back["time"]["measuredS"] > 0
    markdown = next(
        p for p in (tmp_path / "evidence").glob("*.md") if p.name != "README.md"
    ).read_text()
    assert "## Data (replication canaries)" in markdown and "xychart-beta" in markdown


def test_the_lossy_world_names_exactly_the_lost_ids(lossy_twin: Twin, tmp_path: Path) -> None:
    """With writes lost in flight, drillkit reports exactly the ids the twin recorded as `lost`,
    fails lostWrites: 0 naming them, and the true RPO lies inside the measured interval
    (midpoint ± half width). (Within one `every` of the truth is a benchmark: bench/data.py.)"""
    code, doc, events = run_data_drill(lossy_twin, tmp_path)
    lost = [e for e in events if e["kind"] == "lost" and e["to"] == "eu"]
    assert lost, "the drill's fault should have caught writes in flight"
    [canary] = doc["data"]["canaries"]
    assert sorted(canary["lostWrites"]) == sorted(e["id"] for e in lost)
    assert code == 1 and doc["verdict"]["outcome"] == "fail"
    assert all(e["id"] in doc["verdict"]["reason"] for e in lost)
    true_rpo = max(e["at"] for e in lost) - min(e["writtenAt"] for e in lost)
    rpo = doc["data"]["rpo"]
    low, high = rpo["measuredS"] - rpo["uncertaintyS"], rpo["measuredS"] + rpo["uncertaintyS"]
    assert low - 0.001 <= true_rpo <= high + TWIN_NOTICE_S, (low, true_rpo, high)
    [objective] = [o for o in doc["objectives"] if o["name"] == "lostWrites"]
    assert objective["held"] is False and objective["measured"]["measuredS"] == len(lost)
