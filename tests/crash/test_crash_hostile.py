"""The crash matrix for what keeping the fault in force writes: SIGKILL right after a pause of a
controller, or after a node that joined the drain was journalled or cordoned, then
`drillkit restore --latest`: every pause is undone and every node, the newcomers too, is
uncordoned. With the journal lost as well, the pause's own markers refuse the next run and let
`drillkit restore --scan` undo it."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.core.markers import ORIGINAL, RUN
from drillkit.engine.records import read_journal
from tests.chaos.harness import (
    SandboxProcess,
    WorldReader,
    drillkit,
    eventually,
    finish,
    write_drill,
    write_world,
)
from tests.crash.conftest import CRASH_TIME_SCALE
from tests.crash.runs import KILLER, assert_killed_at

pytestmark = pytest.mark.chaos
SO = "/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/web"
PAUSED = "autoscaling.keda.sh/paused-replicas"

# point -> (kill after the Nth record matching KIND[:FIELD=VALUE], drill)
HOSTILE_POINTS: dict[str, tuple[str, int, str]] = {
    "intent-pause": ("intent:action=pause", 1, "pause"),
    "result-pause": ("result", 1, "pause"),
    "snapshot-joined": ("snapshot", 2, "drain"),
    "hold-joined": ("hold", 1, "drain"),
    "intent-cordon-joined": ("intent:action=cordon", 4, "drain"),
}


def _world(folder: Path) -> Path:
    """The default world (AKS realism) plus a KEDA ScaledObject over web and the autoscaler."""
    path = write_world(folder, CRASH_TIME_SCALE)
    data = yaml.safe_load(path.read_text())
    data["reconcilers"] = {
        "keda": {
            "pollingInterval": "200ms",
            "scaledObjects": [{"name": "web", "target": {"name": "web"}, "minReplicaCount": 3}],
        },
        "clusterAutoscaler": {"delay": "500ms", "maxNodes": 2, "nodeReadyDelay": "1s"},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _drill(folder: Path, variant: str) -> Path:
    if variant == "pause":
        fault = {"type": "scale-down", "namespace": "shop", "selector": "app=web",
                 "controllers": "pause"}  # fmt: skip
        return write_drill(folder, "pause.yaml", fault=fault, observe__statusInterval="1s")
    return write_drill(
        folder,
        "drain.yaml",
        fault__nodeSelector={"kubernetes.azure.com/mode": "user"},
        fault__evictionTimeout="1s",
        observe__statusInterval="1s",
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[SandboxProcess, WorldReader]]:
    """A fresh hostile twin per case (the autoscaler's nodes stay once added)."""
    twin = SandboxProcess(tmp_path / "state", _world(tmp_path / "drills"))
    reader = WorldReader(twin.info)
    try:
        eventually(reader.healthy, 60)
        yield twin, reader
    finally:
        reader.close()
        twin.stop()


def _annotations(reader: WorldReader) -> dict[str, str]:
    """The ScaledObject's annotations."""
    from tests.realapi.rawapi import raw

    status, body = raw(reader._clients["us"], "GET", SO)  # the reader's client of region us
    assert status == 200, body
    return dict(body["metadata"].get("annotations") or {})


def _paused(reader: WorldReader) -> Any:
    """The ScaledObject's paused-replicas annotation (None when absent)."""
    return _annotations(reader).get(PAUSED)


@pytest.mark.slow
@pytest.mark.parametrize("point", list(HOSTILE_POINTS))
def test_sigkill_after_a_hold_record_then_restore_latest(
    point: str, hostile: tuple[SandboxProcess, WorldReader], tmp_path: Path
) -> None:
    """SIGKILL right after this record, then `restore --latest`: nothing stays paused or
    cordoned, the newcomers included, and the workloads are back at their replicas."""
    twin, reader = hostile
    before = reader.state()
    kind, nth, variant = HOSTILE_POINTS[point]
    runs = tmp_path / "runs"
    proc = drillkit(
        kind, str(nth), "run", str(_drill(tmp_path / "drills", variant)), "--yes",
        "--attach", str(twin.state_dir), "--runs-dir", str(runs), "--output", "json",
        prefix=KILLER,
    )  # fmt: skip
    code, _, err = finish(proc)
    assert code == -signal.SIGKILL, f"drillkit was not killed at {point} ({code}): {err[-3000:]}"
    killed = read_journal(next(runs.glob("*/journal.jsonl")))
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    assert_killed_at(killed, kind, nth)
    assert _paused(reader) is None

    def settled() -> dict[str, Any] | None:
        # KEDA paused at "0" scales web to 0 itself; once resumed it scales it back up.
        after = reader.state()
        return after if {k: v for k, v in after.items() if k in before} == before else None

    after = eventually(settled, 20)
    joined = {k: v for k, v in after.items() if k not in before}
    assert all(k.startswith("us/node/") and v is False for k, v in joined.items()), joined


@pytest.mark.slow
def test_journal_lost_after_a_pause_is_recovered_from_the_pause_markers(
    hostile: tuple[SandboxProcess, WorldReader], tmp_path: Path
) -> None:
    """SIGKILL right after the KEDA pause (before any scale-down), then the runs dir deleted:
    the ScaledObject alone carries the run's markers, and `restore --scan` finds them there,
    resumes KEDA, removes the markers, frees the Lease, and web scales back up. (That a new run
    refuses on such a marker, naming the restore command first, is proven on the fakes in
    tests/engine/test_pause_markers.py: here it would wait out the dead run's Lease.)"""
    twin, reader = hostile
    before = reader.state()
    runs = tmp_path / "dead"
    drill = _drill(tmp_path / "drills", "pause")
    proc = drillkit(
        "result", "1", "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(runs), prefix=KILLER,
    )  # fmt: skip
    code, _, err = finish(proc)
    assert code == -signal.SIGKILL, f"drillkit was not killed after the pause ({code}): {err}"
    run_id = read_journal(next(runs.glob("*/journal.jsonl")))[0].run_id
    shutil.rmtree(runs)
    marked = _annotations(reader)
    assert marked[PAUSED] == "0" and marked[RUN] == run_id, marked
    assert '"kind": "controller-pause"' in marked[ORIGINAL]
    web = "us/deployment/shop/web replicas"
    eventually(lambda: reader.state()[web] == 0, 20)  # KEDA itself holds web at 0

    scan = CliRunner().invoke(cli, [
        "restore", "--scan", "--drill", str(drill), "--attach", str(twin.state_dir),
        "--yes", "--runs-dir", str(tmp_path / "scan"),
    ])  # fmt: skip
    assert scan.exit_code == 0, scan.output
    assert f"restored from markers: run {run_id}" in scan.output
    assert "restored  us/scaledobject/shop/web metadata.annotations" in scan.output
    assert not {PAUSED, RUN, ORIGINAL} & set(_annotations(reader))
    eventually(lambda: {k: v for k, v in reader.state().items() if k in before} == before, 20)
