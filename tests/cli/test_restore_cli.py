"""`drillkit run` and `drillkit restore` through the CLI on the fakes (issue 18): one JSON
document for every exit code, refusal over an unfinished run, `--latest` semantics."""

from __future__ import annotations

import json
from pathlib import Path

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
