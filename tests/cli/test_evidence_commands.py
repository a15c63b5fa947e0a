"""``drillkit history`` and ``drillkit verify`` over an evidence directory."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.evidence.chain import seal
from drillkit.exitcodes import ExitCode
from tests.evidence.history_docs import run_document, write_runs

RTOS = [40.0, 42.0, 38.0, 41.0, 40.0, 39.0, 130.0, 41.0, 75.0, 40.0]
"""Ten runs: the seventh misses its 120 s objective, the ninth is a planted RTO spike."""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _evidence(tmp_path: Path) -> Path:
    directory = tmp_path / "evidence"
    for path in write_runs(directory, [run_document(i, r) for i, r in enumerate(RTOS)]):
        seal(path, "2026-11-30T21:00:00.000Z")
    return directory


def test_history_json_is_the_documented_document(tmp_path):
    """history --output json gives schemaVersion 1: runs newest first, trends and regressions."""
    code, out, _ = run("history", "--evidence-dir", str(_evidence(tmp_path)), "--output", "json")
    assert code == ExitCode.PASS
    document = json.loads(out)
    assert (document["schemaVersion"], document["kind"]) == (1, "DrillkitHistory")
    assert [r["rtoS"] for r in document["runs"]] == list(reversed(RTOS))
    assert document["runs"][0]["objectives"][0]["marginS"] == 80.0
    assert document["trends"] == [
        {
            "drill": "us-outage",
            "runs": 10,
            "passed": 9,
            "medianRtoS": 40.5,
            "p95RtoS": 130.0,
            "rtoObjectiveS": 120.0,
            "lastPassUtc": "2026-11-10T09:00:00Z",
        }
    ]
    flagged = {(g["runId"], g["kind"]) for g in document["regressions"]}
    assert ("us-outage-20261109T090000Z", "rto-spike") in flagged
    assert ("us-outage-20261107T090000Z", "objective-missed") in flagged


def test_history_text_flags_the_planted_regression(tmp_path):
    """The text table marks flagged runs and lists each regression with its reason."""
    code, out, _ = run("history", "--evidence-dir", str(_evidence(tmp_path)))
    assert code == ExitCode.PASS
    assert "us-outage: last 10 runs, 9 passed; RTO median 40.5 s, p95 130.0 s" in out
    assert (
        "! us-outage-20261109T090000Z rto-spike: RTO 75.0 s is 1.9x the median 40.0 s of the "
        "previous 5 passing runs" in out
    )


def test_history_filters_since_and_drill(tmp_path):
    """--since keeps the runs from that date on; an unknown --drill shows no runs."""
    directory = str(_evidence(tmp_path))
    _, out, _ = run(
        "history", "--evidence-dir", directory, "--since", "2026-11-09", "--output", "json"
    )
    assert [r["startedAtUtc"][:10] for r in json.loads(out)["runs"]] == ["2026-11-10", "2026-11-09"]
    _, out, _ = run("history", "--evidence-dir", directory, "--drill", "nope")
    assert out.startswith("no runs in ")


def test_history_refuses_a_bad_date(tmp_path):
    """A --since that is not a date exits 2 and says what to write instead."""
    code, _, err = run("history", "--evidence-dir", str(tmp_path), "--since", "yesterday")
    assert code == ExitCode.USAGE
    assert "2026-11-30T21:00Z" in err


def test_verify_passes_then_names_the_edited_file(tmp_path):
    """verify exits 0 on an untouched chain, then 1 naming the file after a one-byte edit."""
    directory = _evidence(tmp_path)
    code, out, _ = run("verify", str(directory))
    assert code == ExitCode.PASS
    assert "chain holds: 10 record(s) from the genesis record" in out
    edited = directory / "us-outage-20261104T090000Z.junit.xml"
    edited.write_bytes(edited.read_bytes().replace(b"/", b"-"))
    code, _, err = run("verify", str(directory))
    assert code == 1
    assert f"the evidence chain is broken at {edited}: changed after it was written" in err


def test_verify_refuses_unsealed_records_unless_allowed(tmp_path):
    """A run record outside the chain fails verify, unless --allow-unsealed."""
    directory = _evidence(tmp_path)
    write_runs(directory, [run_document(20, 40.0)])
    assert run("verify", str(directory))[0] == 1
    assert run("verify", str(directory), "--allow-unsealed")[0] == ExitCode.PASS


def test_history_and_verify_default_to_the_project_evidence(tmp_path, monkeypatch):
    """Without a directory, history and verify read runbooks/evidence of the project, and say so."""
    evidence = tmp_path / "runbooks" / "evidence"
    for path in write_runs(evidence, [run_document(0, 40.0)]):
        seal(path, "2026-11-30T21:00:00.000Z")
    deep = tmp_path / "drills" / "sandbox"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    code, out, err = run("history", "--output", "json")
    assert code == 0 and len(json.loads(out)["runs"]) == 1
    assert f"evidence: {evidence} (next to the project {tmp_path}" in err
    code, out, _ = run("verify")
    assert code == 0 and "chain holds: 1 record(s)" in out


def test_finish_evidence_seals_signs_and_indexes(tmp_path):
    """After a run: the record is chained, signed (verify accepts it) and README.md is rewritten."""
    import shutil
    import subprocess

    import pytest

    from drillkit.cli.evidence_finish import finish_evidence

    if shutil.which("ssh-keygen") is None:
        pytest.skip("needs ssh-keygen")
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    evidence = tmp_path / "evidence"
    (record,) = write_runs(evidence, [run_document(0, 40.0)])
    lines = finish_evidence({"json": record}, key)
    assert lines[0] == f"evidence chain: {record.name} is record #1"
    assert lines[1] == f"evidence signature: {record}.sig (and chain-head.json.sig)"
    assert (evidence / "README.md").is_file()
    code, out, _ = run("verify", str(evidence), "--require-signatures")
    assert code == 0 and "2 signature(s) valid" in out


def test_history_markdown_links_each_run_and_lists_damaged_files(tmp_path):
    """--output md links each run's evidence; a damaged JSON file is named, never fatal."""
    directory = _evidence(tmp_path)
    (directory / "broken.json").write_text("{not json")
    code, out, _ = run("history", "--evidence-dir", str(directory), "--output", "md")
    assert code == 0
    newest = directory / "us-outage-20261110T090000Z.md"
    assert f"| [us-outage-20261110T090000Z]({newest}) |" in out
    assert "| 2026-11-07T09:00:00Z | us-outage | us | fail ⚠️ | 130.0 |" in out
    code, out, _ = run("history", "--evidence-dir", str(directory), "--output", "json")
    (damaged,) = json.loads(out)["unreadable"]
    assert damaged["path"] == str(directory / "broken.json")


def test_history_of_a_missing_directory_is_a_usage_error(tmp_path):
    """history --evidence-dir of a directory that does not exist exits 2 naming it, as verify."""
    missing = tmp_path / "no-such-evidence"
    code, out, err = run("history", "--evidence-dir", str(missing))
    assert code == ExitCode.USAGE
    assert out == ""
    assert f"{missing} is not a directory" in err and "--evidence-dir" in err
    assert run("verify", str(missing))[0] == ExitCode.USAGE


def test_last_pass_looks_before_since(tmp_path):
    """With --since after the last passing run, the trend still names that run, not "never"."""
    directory = tmp_path / "evidence"
    write_runs(directory, [run_document(0, 40.0), run_document(1, 130.0), run_document(2, 150.0)])
    code, out, _ = run(
        "history", "--evidence-dir", str(directory), "--since", "2026-11-02", "--output", "json"
    )
    assert code == ExitCode.PASS
    (trend,) = json.loads(out)["trends"]
    assert (trend["runs"], trend["passed"]) == (2, 0)
    assert trend["lastPassUtc"] == "2026-11-01T09:00:00Z"
    _, text, _ = run("history", "--evidence-dir", str(directory), "--since", "2026-11-02")
    assert "never" not in text.split("last pass", 1)[-1].splitlines()[0]
