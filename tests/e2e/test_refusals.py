"""Refusals and aborts against the twin: RBAC, the lock, and a survivor that fails mid-drill."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.e2e.conftest import Twin, drillkit, stop, wait_for_record


def _args(twin: Twin, drill: Path, tmp_path: Path) -> list[str]:
    return [
        "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
    ]  # fmt: skip


def test_viewer_only_context_is_refused_with_nothing_changed(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """A read-only kube context fails SelfSubjectAccessReview in preflight: exit 3, untouched."""
    before = healthy_twin.state()
    drill = drill_file(regions__us__kubeContext="sandbox-us-viewer")
    result = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path))
    assert result.exit_code == 3, result.output
    assert "nothing was changed" in result.output
    assert "context sandbox-us-viewer may not" in result.output and "patch nodes" in result.output
    assert healthy_twin.state() == before


def test_a_second_concurrent_drill_is_refused_by_the_lock(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """While one drill holds the Leases, another is refused in preflight (exit 3)."""
    drill = drill_file(fault__evictionTimeout="1s")
    first = drillkit(*_args(healthy_twin, drill, tmp_path / "a"), "--output", "json")
    wait_for_record(tmp_path / "a" / "runs", lambda r: r.kind == "phase"
                    and getattr(r, "phase", None) == "baseline", first)  # fmt: skip
    second = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path / "b"))
    assert second.exit_code == 3, second.output
    assert "holds the lock" in second.output and "nothing was changed" in second.output
    code, out, _ = stop(first, signal.SIGINT)
    assert code == 130 and json.loads(out)["restored"] is True


def test_survivor_failure_mid_drill_aborts_and_restores(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """The survivor losing its serving pods mid-drill aborts the drill (exit 4) and restores."""
    before = healthy_twin.state()
    eu = healthy_twin.conns.clusters["eu"]
    drill = drill_file(fault__evictionTimeout="1s")
    proc = drillkit(*_args(healthy_twin, drill, tmp_path), "--output", "json")
    try:
        wait_for_record(tmp_path / "runs", lambda r: r.kind == "result", proc)
        eu.set_replicas("Deployment", "shop", "web", 0)
        out, err = proc.communicate(timeout=90)
    finally:
        eu.set_replicas("Deployment", "shop", "web", 3)
    assert proc.returncode == 4, err[-2000:]
    doc = json.loads(out)
    assert doc["verdict"] == "aborted" and doc["restored"] is True
    assert "survivor eu" in doc["reason"]
    after = healthy_twin.state()
    assert {k: v for k, v in after.items() if "/node/" in k} == {
        k: v for k, v in before.items() if "/node/" in k
    }
