"""``-vv`` shows debug logs: each adapter call and each external command becomes a debug event."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from drillkit.adapters import retry
from drillkit.cli.logsetup import configure_logging
from drillkit.cli.main import cli
from tests.evidence.history_docs import run_document, write_runs


def _events(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_debug_events_only_at_vv(capsys: pytest.CaptureFixture[str]) -> None:
    """An adapter call is logged as adapter.call at -vv, and not at -v."""
    configure_logging("json", verbose=1)
    retry.call("kube.read_node", lambda: 1)
    assert "adapter.call" not in capsys.readouterr().err
    configure_logging("json", verbose=2)
    assert retry.call("kube.read_node", lambda: 1) == 1
    (event,) = _events(capsys.readouterr().err)
    assert (event["event"], event["level"], event["call"]) == (
        "adapter.call",
        "debug",
        "kube.read_node",
    )
    assert event["attempts"] == 1


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_cli_vv_prints_debug_events(tmp_path) -> None:
    """drillkit -vv verify logs each ssh-keygen run as a debug event on stderr."""
    from drillkit.adapters.signing import sign
    from drillkit.evidence.chain import seal

    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    (record,) = write_runs(tmp_path / "ev", [run_document(0, 40.0)])
    seal(record, "2026-11-30T21:00:00.000Z")
    sign(record, key)
    args = ["--log-format", "json", "verify", str(tmp_path / "ev")]
    quiet = CliRunner().invoke(cli, args, catch_exceptions=False)
    loud = CliRunner().invoke(cli, ["-vv", *args], catch_exceptions=False)
    assert quiet.exit_code == loud.exit_code == 0
    assert "ssh-keygen.run" not in quiet.stderr
    events = [e for e in _events(loud.stderr) if e["event"] == "ssh-keygen.run"]
    assert events and events[0]["level"] == "debug"
