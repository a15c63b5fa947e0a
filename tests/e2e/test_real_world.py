"""What a first real game day meets, rehearsed on the twin: a target already down is refused,
a kube-only restore needs neither DNS nor ARM, and IP-address endpoints are followed."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import PhaseEntered
from tests.conftest import US_OUTAGE
from tests.e2e.conftest import Twin, drillkit, eventually, stop, wait_for_record

IP_DRILL = Path(__file__).parents[1] / "fixtures" / "us-outage-ip.yaml"
SCALE_DOWN = {"type": "scale-down", "namespace": "shop", "selector": "app=web"}


def _args(twin: Twin, drill: Path, tmp_path: Path) -> list[str]:
    return [
        "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
    ]  # fmt: skip


def test_a_target_that_is_already_down_is_refused(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """Problem 5: with us/web already at 0 replicas, a us-outage drill is refused (exit 3,
    nothing changed) instead of passing with an RTO of 0.8 s and "restoring" replicas=0."""
    us = healthy_twin.conns.clusters["us"]
    us.set_replicas("Deployment", "shop", "web", 0)
    try:
        eventually(lambda: (w := us.get_workload("Deployment", "shop", "web")) and w.ready == 0)
        before = healthy_twin.state()
        result = CliRunner().invoke(cli, _args(healthy_twin, drill_file(), tmp_path))
        assert result.exit_code == 3, result.output
        assert "target us is not serving now" in result.output
        assert "nothing was changed" in result.output
        assert healthy_twin.state() == before
    finally:
        us.set_replicas("Deployment", "shop", "web", 3)


def _unreachable_copy(twin: Twin, folder: Path) -> Path:
    """A state dir that reaches the twin's clusters as usual (same kubeconfig), ready to have
    its ARM and DNS pointed at nothing."""
    folder.mkdir(parents=True)
    info = json.loads((twin.state_dir / "world.json").read_text())
    info["stateDir"] = str(folder)
    (folder / "world.json").write_text(json.dumps(info))
    return folder


def test_a_kube_only_restore_needs_neither_dns_nor_arm(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """Problem 13, sandbox side: a scale-down run killed mid-drill is restored by `drillkit
    restore` while the twin's name servers and ARM are unreachable, since the journal holds only
    replica counts (the Azure side, where round 1 resolved name servers and read ARM first, is
    tests/realazure/test_connect_azure.py)."""
    before = healthy_twin.state()
    state = _unreachable_copy(healthy_twin, tmp_path / "state")
    runs = tmp_path / "runs"
    proc = drillkit(
        "run", str(drill_file(fault=SCALE_DOWN)), "--yes", "--attach", str(state),
        "--runs-dir", str(runs), "--evidence-dir", str(tmp_path / "evidence"),
    )  # fmt: skip
    wait_for_record(runs, lambda r: isinstance(r, PhaseEntered) and r.phase == "observe", proc)
    code, _, _ = stop(proc, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert healthy_twin.state() != before  # web is at 0 in us
    info = json.loads((state / "world.json").read_text())
    info["trafficManager"]["armUrl"] = "https://127.0.0.1:9"
    info["dns"]["port"] = 9
    (state / "world.json").write_text(json.dumps(info))
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    eventually(lambda: healthy_twin.state() == before, 30)


def test_a_drill_over_ip_address_endpoints_passes(tmp_path: Path) -> None:
    """Problem 7: over the IP-endpoint world (Traffic Manager answers A records), the drill maps
    answers to regions by address, passes and restores (round 1 refused: it matched CNAMEs
    only, so the survivor looked unreachable)."""
    proc = drillkit("run", str(IP_DRILL), "--yes", "--output", "json", "--runs-dir",
                    str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
                    cwd=tmp_path)  # fmt: skip
    out, err = proc.communicate(timeout=110)
    assert proc.returncode == 0, err[-3000:]
    doc = json.loads(out)
    assert doc["verdict"] == "pass" and doc["restored"] is True


def test_plan_inspect_prints_the_design_and_the_predicted_windows(healthy_twin: Twin) -> None:
    """`plan --inspect` against the default sandbox prints the profile tree (routing, monitor,
    each leaf's region) and the predicted windows, reading only."""
    before = healthy_twin.state()
    args = ["plan", str(US_OUTAGE), "--inspect", "--attach", str(healthy_twin.state_dir)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "myapp [Geographic] ttl 30s" in result.output
    assert "us (ExternalEndpoints) us.ingress.sandbox.test -> region us Online" in result.output
    assert "Degraded: 27-49 s" in result.output
    assert "DNS flip at Traffic Manager's servers: 27-109 s" in result.output
    assert healthy_twin.state() == before
