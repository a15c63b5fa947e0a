"""The first hour with ``drillkit sandbox``: a locked state dir, commands to paste, a starter."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.exitcodes import ExitCode

UP = [sys.executable, "-c", "from drillkit.cli.main import main; main()", "sandbox", "up"]


def _start(state: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """``sandbox up`` in a child process; returns it and what it printed until it was ready."""
    proc = subprocess.Popen(
        [*UP, "--state-dir", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Stop with Ctrl-C"):
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise AssertionError(f"sandbox up ended early: {proc.communicate(timeout=10)[1]}")
        lines.append(line.rstrip("\n"))
    return proc, lines


@pytest.fixture
def running(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A running ``sandbox up`` on tmp_path/state, stopped with SIGINT afterwards."""
    proc, lines = _start(tmp_path / "state")
    try:
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)


def _command(lines: list[str], starts: str) -> list[str]:
    line = next(x.strip() for x in lines if x.strip().startswith(starts))
    return shlex.split(line.split("    #")[0])


def test_second_up_on_the_same_state_dir_exits_2_naming_the_pid(tmp_path, running):
    """A second sandbox up on a busy state dir exits 2 naming the running PID, changing nothing."""
    proc, _ = running
    kubeconfig = (tmp_path / "state" / "kubeconfig").read_bytes()
    second = subprocess.run(
        [*UP, "--state-dir", str(tmp_path / "state")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == ExitCode.USAGE
    assert f"is in use by a running sandbox (PID {proc.pid})" in second.stderr
    assert (tmp_path / "state" / "kubeconfig").read_bytes() == kubeconfig
    assert (tmp_path / "state" / "world.json").is_file()


def test_ready_output_has_commands_that_work(tmp_path, running):
    """The printed dig line answers the US ingress for New York; the health curl, the ARM curl
    (CA file and token from world.json) and kubectl lines work."""
    _, lines = running
    assert lines[0].startswith("sandbox ready: export KUBECONFIG=")
    dig = _command(lines, "dig @")
    assert "+subnet=24.1.2.0/24" in dig
    answer = subprocess.run(dig, capture_output=True, text=True, timeout=10, check=True)
    assert answer.stdout.splitlines()[0] == "us.ingress.sandbox.test."
    if shutil.which("curl"):
        curl = subprocess.run(
            _command(lines, "curl"), capture_output=True, text=True, timeout=10, check=True
        )
        assert curl.stdout.startswith("HTTP/1.1 200") and "us healthy" in curl.stdout
        arm = next(x.strip() for x in lines if "api-version=" in x).split("    #")[0]
        profile = subprocess.run(
            ["bash", "-c", arm], capture_output=True, text=True, timeout=10, check=True
        )
        assert json.loads(profile.stdout)["name"] == "myapp", profile.stderr
    if shutil.which("kubectl"):
        env = {
            "KUBECONFIG": str(tmp_path / "state" / "kubeconfig"),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),  # kubectl caches discovery under $HOME/.kube
        }
        nodes = subprocess.run(
            _command(lines, "kubectl --context sandbox-us get nodes"),
            capture_output=True, text=True, timeout=20, check=True, env=env,
        )  # fmt: skip
        assert "us-node-1" in nodes.stdout


def test_stop_deletes_the_kubeconfig_and_frees_the_state_dir(tmp_path):
    """After Ctrl-C the kubeconfig it wrote is gone and the state dir can be used again."""
    state = tmp_path / "state"
    proc, _ = _start(state)
    assert (state / "kubeconfig").is_file()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert not (state / "kubeconfig").exists()
    assert "sandbox stopped (kubeconfig removed)" in err
    again, _ = _start(state)
    again.send_signal(signal.SIGINT)
    again.communicate(timeout=20)
    assert again.returncode == 0


def test_init_copies_a_starter_that_validates(tmp_path, monkeypatch):
    """sandbox init writes the default world, two drills and the runbook; they validate."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sandbox", "init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "next: drillkit run drills/sandbox/us-outage.yaml --yes" in result.stdout
    assert (tmp_path / "runbooks" / "evidence").is_dir()
    check = CliRunner().invoke(cli, ["validate", "drills"], catch_exceptions=False)
    assert check.exit_code == 0, check.stderr
    assert "drills/sandbox/world.yaml: valid world" in check.stdout
    again = CliRunner().invoke(cli, ["sandbox", "init"], catch_exceptions=False)
    assert again.exit_code == ExitCode.USAGE
    assert "not overwriting" in again.stderr and "(use --force)" in again.stderr
