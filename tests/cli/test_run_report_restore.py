"""run, report and restore through the CLI on fakes: a sealed record and index after every run,
report by prefix and --latest as written, restore saying "put back" or "already as snapshot"."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.cli.test_wiring_seam import _drill_file, _wiring
from tests.engine.fakes import FakeWorld


def _run(tmp_path: Path, world: FakeWorld) -> dict[str, str]:
    args = ["run", str(_drill_file(tmp_path)), "--yes", "--runs-dir", str(tmp_path / "runs"),
            "--evidence-dir", str(tmp_path / "evidence"), "--output", "json"]  # fmt: skip
    result = CliRunner().invoke(cli, args, obj=_wiring(world, []))
    assert result.exit_code == 0, result.output
    assert "evidence chain: " in result.stderr and "is record #" in result.stderr
    summary: dict[str, str] = json.loads(result.stdout)
    return summary


def test_every_run_is_sealed_and_indexed(tmp_path: Path) -> None:
    """Two runs: both records are in the chain (verify holds) and the index lists both."""
    world = FakeWorld()
    first, second = _run(tmp_path, world), _run(tmp_path, world)
    evidence = tmp_path / "evidence"
    index = (evidence / "README.md").read_text()
    assert first["runId"] in index and second["runId"] in index
    check = CliRunner().invoke(cli, ["verify", str(evidence)])
    assert check.exit_code == 0 and "chain holds: 2 record(s)" in check.stdout


def test_report_by_prefix_and_latest_prints_the_record_as_written(tmp_path: Path) -> None:
    """report with a unique prefix of the run id, or --latest, prints the Markdown file as the
    run wrote it."""
    summary = _run(tmp_path, FakeWorld())
    written = Path(summary["evidence"]["markdown"]).read_text()  # type: ignore[index]
    runs = ["--runs-dir", str(tmp_path / "runs")]
    by_prefix = CliRunner().invoke(cli, ["report", summary["runId"][:12], *runs])
    latest = CliRunner().invoke(cli, ["report", "--latest", *runs])
    assert by_prefix.exit_code == latest.exit_code == 0, by_prefix.output
    assert by_prefix.stdout == latest.stdout == written


def test_restore_says_what_it_put_back(tmp_path: Path) -> None:
    """A run that finished restored has nothing for --latest to restore; a forced restore of it
    finds items already as the snapshot and puts back a cordon that came back, saying which is
    which; report then shows it after the run, apart."""
    world = FakeWorld()
    summary = _run(tmp_path, world)
    world.clusters["us"].nodes["us-node-1"] = True  # someone's script re-cordoned it
    runs = ["--runs-dir", str(tmp_path / "runs")]
    untouched = CliRunner().invoke(
        cli, ["restore", "--latest", "--yes", *runs], obj=_wiring(world, [])
    )
    assert untouched.exit_code == 0, untouched.output
    assert untouched.stdout.startswith(f"nothing to restore: {summary['runId']} finished")
    assert world.clusters["us"].nodes["us-node-1"] is True
    result = CliRunner().invoke(
        cli,
        ["restore", str(summary["runId"])[:20], "--force", "--yes", *runs],
        obj=_wiring(world, []),
    )
    assert result.exit_code == 0, result.output
    assert "put back            us/node/us-node-1 spec.unschedulable: false" in result.stdout
    assert "already as snapshot us/node/us-node-2 spec.unschedulable: false" in result.stdout
    assert "1 put back, " in result.stdout
    report = CliRunner().invoke(cli, ["report", summary["runId"], *runs])
    recorded = report.stdout.split("\n---\n\n## After the run")
    assert recorded[0] == Path(summary["evidence"]["markdown"]).read_text()  # type: ignore[index]
    assert "us/node/us-node-1 spec.unschedulable: restored, now false (put back)" in recorded[1]


def test_run_files_evidence_and_runs_with_the_drills_project(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Run from elsewhere, a drill under a project with runbooks/ files its evidence and journal
    there, and says so."""
    (tmp_path / "runbooks").mkdir()
    drill = _drill_file(tmp_path)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(
        cli, ["run", str(drill), "--yes", "--output", "json"], obj=_wiring(FakeWorld(), [])
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    evidence = tmp_path / "runbooks" / "evidence"
    assert Path(summary["evidence"]["markdown"]).parent == evidence
    assert Path(summary["journal"]).parent.parent == tmp_path / ".drillkit" / "runs"
    assert f"evidence: {evidence} (next to the project {tmp_path}" in result.stderr
    assert not list(elsewhere.iterdir())
