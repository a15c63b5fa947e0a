"""The run/restore/report command contract: confirmation, text output, re-rendering, drift."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from drillkit.cli.main import cli
from tests.conftest import US_OUTAGE, loose_rto
from tests.e2e.conftest import Twin, drillkit, stop, wait_for_record


def test_without_a_tty_and_without_yes_nothing_runs(tmp_path: Path) -> None:
    """Off a terminal, `run` without --yes refuses (exit 2) before touching anything."""
    result = CliRunner().invoke(cli, ["run", str(US_OUTAGE), "--runs-dir", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "pass --yes" in result.output
    assert not (tmp_path / "r").exists()


def test_restore_needs_a_run_or_latest() -> None:
    """`restore` with neither a run nor --latest is a usage error."""
    result = CliRunner().invoke(cli, ["restore", "--yes"])
    assert result.exit_code == 2 and "--latest" in result.output


@pytest.fixture(scope="module")
def text_run(twin: Twin, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """One disable-endpoint drill against the twin, text output (plain lines: not a TTY)."""
    import yaml

    folder = tmp_path_factory.mktemp("text-run")
    data = loose_rto(yaml.safe_load(US_OUTAGE.read_text()))
    data["metadata"].pop("runbook")
    data["fault"] = {"type": "disable-endpoint"}
    (folder / "world.yaml").write_text((US_OUTAGE.parent / "world.yaml").read_text())
    drill = folder / "disable.yaml"
    drill.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(
        cli,
        ["run", str(drill), "--yes", "--attach", str(twin.state_dir), "--runs-dir",
         str(folder / "runs"), "--evidence-dir", str(folder / "evidence")],
    )  # fmt: skip
    return result, folder / "runs"


def test_text_output_is_a_plain_timeline(text_run: tuple[Result, Path], twin: Twin) -> None:
    """Off a TTY the run prints one plain line per phase and per DNS change, then the verdict."""
    result, _ = text_run
    assert result.exit_code == 0, result.output
    out = result.stdout
    for phase in ("preflight", "snapshot", "inject", "observe", "restore", "failback"):
        assert f"phase {phase}" in out
    assert "new-york: DNS answers eu (was us)" in out
    assert "restore tm/myapp-na/ExternalEndpoints/us endpointStatus: put back" in out
    assert "verdict: pass" in out and "rto:" in out
    endpoints = {e.key: e.endpoint_status for e in twin.conns.traffic_manager.endpoints()}
    assert set(endpoints.values()) == {"Enabled"}


@pytest.mark.parametrize(("fmt", "marker"), [("md", "# "), ("json", '"runId"'),
                                             ("junit", "<testsuite")])  # fmt: skip
def test_report_rerenders_from_the_journal(
    text_run: tuple[Result, Path], fmt: str, marker: str
) -> None:
    """`report RUN --format F` renders the run again from its journal alone."""
    _, runs = text_run
    run_id = next(runs.iterdir()).name
    result = CliRunner().invoke(cli, ["report", run_id, "--runs-dir", str(runs), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert (marker in result.stdout and "disable-endpoint" in result.stdout) or fmt == "junit"
    if fmt == "json":
        assert json.loads(result.stdout)["runId"] == run_id


def test_drift_makes_restore_incomplete_until_forced(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """A value someone else changed after a crash is reported (exit 5) and kept until --force."""
    drill = drill_file(fault={"type": "scale-down", "namespace": "shop", "selector": "app=web"})
    runs = tmp_path / "runs"
    proc = drillkit("run", str(drill), "--yes", "--attach", str(healthy_twin.state_dir),
                    "--runs-dir", str(runs), "--evidence-dir", str(tmp_path / "ev"))  # fmt: skip
    wait_for_record(runs, lambda r: r.kind == "result", proc)
    stop(proc, signal.SIGKILL)
    us = healthy_twin.conns.clusters["us"]
    us.set_replicas("Deployment", "shop", "web", 5)
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert result.exit_code == 5, result.output
    assert "us/deployment/shop/web replicas: is 5, should be 3 (drifted" in result.output
    web = us.get_workload("Deployment", "shop", "web")
    assert web is not None and web.replicas == 5
    forced = CliRunner().invoke(
        cli, ["restore", "--latest", "--yes", "--force", "--runs-dir", str(runs)]
    )
    assert forced.exit_code == 0, forced.output
    web = us.get_workload("Deployment", "shop", "web")
    assert web is not None and web.replicas == 3


def test_restore_of_a_stopped_embedded_sandbox_says_nothing_is_left(tmp_path: Path) -> None:
    """A run whose embedded twin died with it has no world left to restore: said plainly, exit 0."""
    from drillkit.spec.loader import load_drill

    drill = load_drill(US_OUTAGE).model_dump(mode="json", by_alias=True)
    run_dir = tmp_path / "runs" / "20260101T000000Z-us-outage-abcdef"
    run_dir.mkdir(parents=True)
    records = [
        {"seq": 1, "kind": "run.started", "wall": 1.0, "mono": 1.0, "runId": run_dir.name,
         "drill": drill, "connection": {"environment": "sandbox", "stateDir": str(tmp_path / "x")}},
        {"seq": 2, "kind": "intent", "wall": 2.0, "mono": 2.0, "id": "m1", "action": "cordon"},
    ]  # fmt: skip
    (run_dir / "journal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir",
                                      str(tmp_path / "runs")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "embedded sandbox twin that has stopped" in result.output
