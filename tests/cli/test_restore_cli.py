"""`drillkit run` and `drillkit restore` through the CLI on the fakes (issue 18): one JSON
document for every exit code, refusal over an unfinished run, `--latest` semantics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.cli.test_wiring_seam import _drill_file, _wiring
from tests.engine.fakes import FakeWorld


def _run(tmp_path: Path, world: FakeWorld, *extra: str) -> tuple[int, str, str]:
    args = ["run", str(_drill_file(tmp_path)), "--yes", "--runs-dir", str(tmp_path / "runs"),
            "--evidence-dir", str(tmp_path / "evidence"), *extra]  # fmt: skip
    result = CliRunner().invoke(cli, args, obj=_wiring(world, []))
    return result.exit_code, result.stdout, result.stderr


def _restore(tmp_path: Path, world: FakeWorld, *extra: str) -> tuple[int, str, str]:
    args = ["restore", "--yes", "--runs-dir", str(tmp_path / "runs"), *extra]
    result = CliRunner().invoke(cli, args, obj=_wiring(world, []))
    return result.exit_code, result.stdout, result.stderr


def _died_in_observe(tmp_path: Path, world: FakeWorld) -> str:
    """A passing run whose journal is cut at its restore phase, us-node-1 cordoned again: as
    if the runner had died during observe."""
    code, out, _ = _run(tmp_path, world, "--output", "json")
    assert code == 0
    journal = Path(json.loads(out)["journal"])
    lines = journal.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"phase":"restore"' in line)
    journal.write_text("".join(lines[:cut]))
    world.clusters["us"].nodes["us-node-1"] = True
    return journal.parent.name


def test_exit_2_and_3_print_one_json_document(tmp_path: Path) -> None:
    """A usage error (2) and a refusal (3) each print exactly one JSON document on stdout,
    with the exit code, as the README promises (issue 18, scenario 10)."""
    world = FakeWorld()
    code, out, _ = _run(tmp_path, world, "--output", "json", "--bogus")
    assert code == 2 and json.loads(out)["exitCode"] == 2
    run_id = _died_in_observe(tmp_path, world)
    code, out, _ = _run(tmp_path, world, "--output", "json")
    document = json.loads(out)
    assert code == 3 and document == {
        "command": "run",
        "exitCode": 3,
        "verdict": "refused",
        "error": document["error"],
    }
    assert run_id in document["error"] and f"drillkit restore {run_id}" in document["error"]


def test_run_refuses_until_the_unfinished_run_is_restored(tmp_path: Path) -> None:
    """A run that died with us-node-1 cordoned blocks the next run (exit 3, nothing changed);
    `restore --latest` finishes it, and the next run goes ahead (issue 18, scenario 4)."""
    world = FakeWorld()
    run_id = _died_in_observe(tmp_path, world)
    calls = len(world.clusters["us"].mutations())
    code, _, err = _run(tmp_path, world)
    assert code == 3 and run_id in err and len(world.clusters["us"].mutations()) == calls
    code, out, err = _restore(tmp_path, world, "--latest")
    assert code == 0 and f"restored: run {run_id}" in out, err
    assert not any(world.clusters["us"].nodes.values())
    code, _, err = _run(tmp_path, world)
    assert code == 0, err


def test_latest_of_a_finished_run_changes_nothing(tmp_path: Path) -> None:
    """After a run that passed and was restored, a cordon by hand is left alone: `restore
    --latest` says nothing to restore, with the time, in one JSON document (scenario 3)."""
    world = FakeWorld()
    code, out, _ = _run(tmp_path, world, "--output", "json")
    run_id = json.loads(out)["runId"]
    world.clusters["us"].nodes["us-node-1"] = True
    code, out, _ = _restore(tmp_path, world, "--latest", "--output", "json")
    document = json.loads(out)
    assert code == 0 and document["exitCode"] == 0
    assert document["message"].startswith(f"nothing to restore: {run_id} finished and was restored")
    assert world.clusters["us"].nodes["us-node-1"] is True


def test_an_explicit_finished_run_with_force_reports_drift_and_overwrites(tmp_path: Path) -> None:
    """`restore RUN --force` on a finished run re-checks it and puts a hand-made cordon back."""
    world = FakeWorld()
    code, out, _ = _run(tmp_path, world, "--output", "json")
    run_id = json.loads(out)["runId"]
    world.clusters["us"].nodes["us-node-1"] = True
    code, out, err = _restore(tmp_path, world, run_id, "--force")
    assert code == 0, err
    assert world.clusters["us"].nodes["us-node-1"] is False


def _gone_twin_run(tmp_path: Path, how: str = "stopped") -> Path:
    """A journal of an embedded-sandbox run whose twin is gone, with one intent: ``stopped``
    (its stateDir went with it) or ``killed`` (a SIGKILL left world.json behind, naming a
    process that no longer exists)."""
    import subprocess

    from tests.engine.fakes import make_drill

    state_dir = tmp_path / "gone"
    if how == "killed":
        dead = subprocess.Popen(["true"])
        dead.wait()
        state_dir.mkdir()
        world = {"stateDir": str(state_dir), "pid": dead.pid, "kubeconfig": "/nonexistent",
                 "regions": {"us": {"apiServer": "https://127.0.0.1:9"}}}  # fmt: skip
        (state_dir / "world.json").write_text(json.dumps(world))
    run_dir = tmp_path / "runs" / "20260101T000000Z-gone-twin-abcdef"
    run_dir.mkdir(parents=True)
    records = [
        {"seq": 1, "kind": "run.started", "wall": 1.0, "mono": 1.0, "runId": run_dir.name,
         "drill": make_drill().model_dump(mode="json", by_alias=True),
         "connection": {"environment": "sandbox", "stateDir": str(state_dir)}},
        {"seq": 2, "kind": "intent", "wall": 2.0, "mono": 2.0, "id": "m1", "action": "cordon"},
    ]  # fmt: skip
    journal = run_dir / "journal.jsonl"
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))
    return journal


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_a_run_whose_embedded_twin_is_gone_ends_finished(tmp_path: Path, how: str) -> None:
    """Restore of a run whose embedded twin is gone (stopped with it, or SIGKILLed with it,
    leaving world.json behind) journals recovery.finished with that note, exits 0 at once
    instead of retrying dead ports until restore.deadline, and the next run is not refused."""
    from drillkit.engine.records import RecoveryFinished, read_journal

    journal = _gone_twin_run(tmp_path, how)
    args = ["restore", "--latest", "--yes", "--runs-dir", str(tmp_path / "runs")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "embedded sandbox twin that has stopped" in result.stdout
    (finished,) = [r for r in read_journal(journal) if isinstance(r, RecoveryFinished)]
    assert finished.restored and "embedded sandbox twin" in finished.note
    code, out, err = _run(tmp_path, FakeWorld())
    assert code == 0, out + err


@pytest.mark.timeout(60)
def test_a_signal_while_waiting_for_the_lock_changes_nothing(tmp_path: Path) -> None:
    """SIGTERM to a restore waiting on another process's run lock: exit 130, one JSON
    document saying nothing was changed, and the journal gains no record."""
    import fcntl
    import os
    import signal
    import subprocess
    import sys

    from tests.chaos.harness import ENTRY, ROOT
    from tests.polling import poll

    journal = _gone_twin_run(tmp_path)
    before = journal.read_bytes()
    fd = os.open(journal.parent / "run.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, "restore", "--latest", "--yes", "--output", "json",
             "--runs-dir", str(tmp_path / "runs")],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stderr is not None
        # Printed just before it blocks on the lock (log lines may come first).
        lines = [proc.stderr.readline() for _ in range(1)]
        while "held by another drillkit process" not in lines[-1] and lines[-1]:
            lines.append(proc.stderr.readline())
        assert "held by another drillkit process" in lines[-1], lines
        poll(lambda: blocked_on_flock(proc.pid), timeout=20, interval=0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(fd)
    assert proc.returncode == 130, err
    document = json.loads(out)
    assert document["exitCode"] == 130 and document["interrupted"] == "SIGTERM"
    assert "before restore began; nothing was changed" in document["message"]
    assert journal.read_bytes() == before


def blocked_on_flock(pid: int) -> bool:
    """The process waits in the kernel on a file lock (its wchan says so)."""
    wchan = Path(f"/proc/{pid}/wchan").read_text()
    return "lock" in wchan


def test_restore_names_an_item_whose_snapshot_line_is_unreadable(tmp_path: Path) -> None:
    """Garbage inside the snapshot line of a died run: `restore --output json` exits 5, names
    the cordoned node as changed by drillkit with its snapshot line unreadable, and lists the
    damaged line among the journal's problems."""
    world = FakeWorld()
    run_id = _died_in_observe(tmp_path, world)
    journal = tmp_path / "runs" / run_id / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(
        line[:40] + b"GARBAGE" + line[40:] if b'"kind":"snapshot"' in line else line
        for line in lines
    ))  # fmt: skip
    code, out, _ = _restore(tmp_path, world, "--latest", "--output", "json")
    document = json.loads(out)
    assert code == 5 and document["exitCode"] == 5 and not document["restored"]
    assert any(
        left.startswith("us/node/us-node-1 spec.unschedulable: is (not checked)")
        and "snapshot line unreadable; drillkit changed us/node/us-node-1" in left
        for left in document["left"]
    ), document["left"]
    assert document["journalProblems"]
