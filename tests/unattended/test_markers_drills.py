"""Markers the world carries, on whole sandbox drills: every changed object says which run
changed it and what it was; a run killed with its journal lost is restored from the markers
alone (``restore --scan``), and a new run refuses while they exist."""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.core.markers import ORIGINAL, RUN, read_tags
from drillkit.engine.records import Mark, read_journal
from tests.e2e.conftest import Twin, drillkit, journal_of, stop, wait_for_record
from tests.polling import poll
from tests.sampling import sample

pytestmark = pytest.mark.slow

FAULTS: dict[str, dict[str, Any]] = {
    "drain": {"type": "drain", "evictionTimeout": "1s", "onBlocked": "delete"},
    "scale-down": {"type": "scale-down", "namespace": "shop", "selector": "app=web"},
    "disable-endpoint": {"type": "disable-endpoint"},
}


def _run_args(twin: Twin, drill: Path, tmp_path: Path) -> list[str]:
    return [
        "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
    ]  # fmt: skip


def _markers(twin: Twin) -> dict[str, str]:
    """Every marker in the twin: object -> run id."""
    found: dict[str, str] = {}
    for region, cluster in twin.conns.clusters.items():
        for obj in cluster.marked():
            found[f"{region}/{obj.kind}/{obj.name}"] = obj.annotations[RUN]
    for profile, tags in twin.conns.traffic_manager.profile_tags().items():
        for marker in read_tags(tags):
            found[f"profile/{profile}/{marker.what}"] = marker.run_id
    return found


def test_changed_objects_carry_the_run_and_their_original_until_restored(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """Mid-drill every cordoned node carries drillkit.dev/run and drillkit.dev/original (its
    journal item and original value); after the drill none is left."""
    drill = drill_file(fault=FAULTS["drain"])
    proc = drillkit(*_run_args(healthy_twin, drill, tmp_path), "--output", "json")
    seen: dict[str, Any] = {}
    try:
        wait_for_record(
            tmp_path / "runs", lambda r: isinstance(r, Mark) and r.name == "fault_injected", proc
        )
        us = healthy_twin.conns.clusters["us"]
        nodes = len(us.list_nodes({}))  # every pool: AKS realism gives a system and a user pool
        poll(lambda: len(us.marked()) == nodes, 20, 0.05)
        seen["marked"] = us.marked()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            stop(proc, signal.SIGINT)
    assert proc.returncode == 0, err[-2000:]
    run_id = json.loads(out)["runId"]
    for obj in seen["marked"]:
        assert obj.kind == "Node" and obj.annotations[RUN] == run_id
        original = json.loads(obj.annotations[ORIGINAL])
        assert original["what"] == f"us/node/{obj.name} spec.unschedulable"
        assert (original["original"], original["written"]) == (False, True)
    assert _markers(healthy_twin) == {}


@pytest.mark.parametrize("fault", sample(list(FAULTS), 1, salt="markers"))
def test_journal_lost_entirely_is_recovered_from_the_markers(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path, fault: str
) -> None:
    """SIGKILL mid-drill, then the runs directory deleted: a new run refuses (exit 3) naming the
    markers; ``restore --scan --drill`` restores the exact pre-drill world from the markers
    alone and frees the Lease; then nothing is marked any more."""
    before = healthy_twin.state()
    drill = drill_file(fault=FAULTS[fault])
    proc = drillkit(*_run_args(healthy_twin, drill, tmp_path / "dead"))
    wait_for_record(tmp_path / "dead" / "runs", lambda r: r.kind == "result", proc)
    stop(proc, signal.SIGKILL)
    killed = journal_of(tmp_path / "dead" / "runs")
    assert killed is not None
    run_id = read_journal(killed)[0].run_id
    shutil.rmtree(tmp_path / "dead")
    assert run_id in set(_markers(healthy_twin).values())

    refused = CliRunner().invoke(cli, _run_args(healthy_twin, drill, tmp_path / "next"))
    assert refused.exit_code == 3, refused.output
    assert f"carries the markers of run {run_id}" in refused.output
    assert "restore --scan" in refused.output

    restored = CliRunner().invoke(cli, [
        "restore", "--scan", "--drill", str(drill), "--attach", str(healthy_twin.state_dir),
        "--yes", "--runs-dir", str(tmp_path / "scan"),
    ])  # fmt: skip
    assert restored.exit_code == 0, restored.output
    assert f"restored from markers: run {run_id}" in restored.output
    assert _markers(healthy_twin) == {}
    poll(healthy_twin.healthy, 60, 0.1)
    assert healthy_twin.state() == before
    again = CliRunner().invoke(cli, [
        "restore", "--scan", "--drill", str(drill), "--attach", str(healthy_twin.state_dir),
        "--yes", "--runs-dir", str(tmp_path / "scan"),
    ])  # fmt: skip
    assert again.exit_code == 0 and "nothing to restore" in again.output


def test_a_value_changed_by_someone_else_is_drift_and_stays_marked(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """The scan applies the journal's drift rule: a replica count someone else set during the
    drill is reported (exit 5) and left alone with its marker, until --force."""
    drill = drill_file(fault=FAULTS["scale-down"])
    proc = drillkit(*_run_args(healthy_twin, drill, tmp_path / "dead"))
    wait_for_record(tmp_path / "dead" / "runs", lambda r: r.kind == "result", proc)
    stop(proc, signal.SIGKILL)
    us = healthy_twin.conns.clusters["us"]
    us.set_replicas("Deployment", "shop", "web", 5)
    args = ["restore", "--scan", "--drill", str(drill), "--attach", str(healthy_twin.state_dir),
            "--yes", "--runs-dir", str(tmp_path / "scan")]  # fmt: skip
    drifted = CliRunner().invoke(cli, args)
    assert drifted.exit_code == 5, drifted.output
    assert "drifted" in drifted.output and "someone set it to 5" in drifted.output
    assert any("Deployment/web" in k for k in _markers(healthy_twin))
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert us.get_workload("Deployment", "shop", "web").replicas == 3  # type: ignore[union-attr]
    assert _markers(healthy_twin) == {}
