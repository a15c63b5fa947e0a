"""``drillkit sandbox up``: the ready line, kubeconfig and world.json, clean signal shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

UP = [sys.executable, "-c", "from drillkit.cli.main import main; main()", "sandbox", "up"]


def start(state: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [*UP, "--state-dir", str(state), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_up_prints_ready_line_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    """One ready line naming KUBECONFIG and world.json; the signal ends it with 0, no traceback."""
    state = tmp_path / "state"
    proc, line = start(state)
    try:
        kubeconfig = (state / "kubeconfig").resolve()
        assert line.startswith(f"sandbox ready: export KUBECONFIG={kubeconfig} ")
        assert "(contexts sandbox-us, sandbox-eu)" in line
        assert line.rstrip().endswith(f"world: {(state / 'world.json').resolve()}")
    finally:
        code, err = stop(proc, sig)
    assert code == 0
    assert "Traceback" not in err


def test_world_json_and_kubeconfig_describe_each_region(tmp_path: Path) -> None:
    """world.json names every region's contexts and https server; the kubeconfig has them all."""
    state = tmp_path / "state"
    proc, _ = start(state)
    try:
        info = json.loads((state / "world.json").read_text())
        config = yaml.safe_load((state / "kubeconfig").read_text())
    finally:
        stop(proc, signal.SIGTERM)
    assert info["kubeconfig"] == str((state / "kubeconfig").resolve())
    assert set(info["regions"]) >= {"us", "eu"}
    for region in ("us", "eu"):
        entry = info["regions"][region]
        assert entry["kubeContext"] == f"sandbox-{region}"
        assert entry["viewerContext"] == f"sandbox-{region}-viewer"
        assert entry["apiServer"].startswith("https://127.0.0.1:")
    contexts = {c["name"] for c in config["contexts"]}
    assert contexts >= {"sandbox-us", "sandbox-us-viewer", "sandbox-eu", "sandbox-eu-viewer"}


def test_up_refuses_a_bad_world_file(tmp_path: Path) -> None:
    """An invalid world file is reported with its location and exit code 2; nothing serves."""
    bad = tmp_path / "world.yaml"
    bad.write_text("apiVersion: drillkit.dev/v1\nkind: SandboxWorld\nregions: {}\n")
    result = subprocess.run(
        [*UP, "--world", str(bad), "--state-dir", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert str(bad) in result.stderr
    assert not (tmp_path / "s" / "world.json").exists()


def test_fault_rate_option_fails_api_calls(tmp_path: Path) -> None:
    """``--fault-rate 1`` makes every kube API call a 429/500/503 while discovery answers."""
    import ssl
    import urllib.error
    import urllib.request

    state = tmp_path / "state"
    proc, _ = start(state, "--fault-rate", "1")
    try:
        info = json.loads((state / "world.json").read_text())
        config = yaml.safe_load((state / "kubeconfig").read_text())
        token = next(u["user"]["token"] for u in config["users"] if u["name"] == "sandbox-operator")
        context = ssl.create_default_context(cafile=info["caFile"])
        base = info["regions"]["us"]["apiServer"]

        def get(path: str) -> int:
            request = urllib.request.Request(
                base + path, headers={"Authorization": f"Bearer {token}"}
            )
            try:
                with urllib.request.urlopen(request, context=context, timeout=5) as response:
                    return int(response.status)
            except urllib.error.HTTPError as e:
                e.close()
                return e.code

        assert get("/api/v1/nodes") in (429, 500, 503)
        assert get("/api") == 200
    finally:
        stop(proc, signal.SIGTERM)


def test_signal_during_start_up_exits_quietly(tmp_path: Path) -> None:
    """SIGTERM while the twins start (state dir made, no world.json yet) ends with 0."""
    state = tmp_path / "s"
    proc = subprocess.Popen(
        [*UP, "--state-dir", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not state.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    code, err = stop(proc, signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in err
