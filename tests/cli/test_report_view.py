"""report shows the evidence exactly as the run wrote it and, separately, what came later."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from drillkit.cli.report_view import after_the_run_markdown, recorded_report
from drillkit.engine.records import (
    EvidenceWritten,
    RecoveryFinished,
    RecoveryStarted,
    RestoreChecked,
    RunFinished,
    VerdictReached,
    to_json,
)

WALL = datetime(2025, 12, 1, tzinfo=UTC).timestamp()


def _journal(tmp_path: Path, *, later: bool) -> Path:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    md = evidence / "run-1.md"
    md.write_text("# Drill evidence: us-outage (PASS)\n\nas written\n")
    sealed = {"integrity": {"markdownSha256": hashlib.sha256(md.read_bytes()).hexdigest()}}
    (evidence / "run-1.json").write_text(json.dumps(sealed))
    records = [
        VerdictReached(outcome="pass", restored=True, seq=1, wall=WALL),
        EvidenceWritten(
            paths={"markdown": str(md), "json": str(evidence / "run-1.json")}, seq=2, wall=WALL
        ),
        RunFinished(verdict="pass", seq=3, wall=WALL),
    ]
    if later:
        records += [
            RecoveryStarted(force=True, seq=4, wall=WALL + 60),
            RestoreChecked(
                what="us/node/us-node-1 spec.unschedulable",
                expected="false",
                actual="false",
                outcome="restored",
                detail="already as snapshot",
                seq=5,
                wall=WALL + 61,
            ),
            RecoveryFinished(restored=True, seq=6, wall=WALL + 62),
        ]
    journal = tmp_path / "runs" / "run-1" / "journal.jsonl"
    journal.parent.mkdir(parents=True)
    journal.write_text("".join(json.dumps(to_json(r)) + "\n" for r in records))
    return journal


def test_recorded_markdown_is_returned_unchanged(tmp_path: Path) -> None:
    """The Markdown is the file the run wrote, byte for byte, with nothing later and no warning."""
    report = recorded_report(_journal(tmp_path, later=False), "md")
    assert report is not None
    assert report.text == (tmp_path / "evidence" / "run-1.md").read_text()
    assert report.later == () and report.warnings == ()


def test_later_restore_is_listed_apart(tmp_path: Path) -> None:
    """A drillkit restore after the run is listed separately, with its time and each item."""
    report = recorded_report(_journal(tmp_path, later=True), "md")
    assert report is not None
    assert report.later == (
        "2025-12-01T00:01:00Z drillkit restore started (--force)",
        "2025-12-01T00:01:01Z us/node/us-node-1 spec.unschedulable: restored, now false "
        "(already as snapshot)",
        "2025-12-01T00:01:02Z drillkit restore finished: everything is back",
    )
    section = after_the_run_markdown(report.later)
    assert "## After the run" in section and "not part of the record above" in section


def test_edited_markdown_is_called_out(tmp_path: Path) -> None:
    """A Markdown file edited after the run is still shown, with a warning naming it."""
    journal = _journal(tmp_path, later=False)
    md = tmp_path / "evidence" / "run-1.md"
    md.write_text(md.read_text().replace("PASS", "PAS5"))
    report = recorded_report(journal, "md")
    assert report is not None
    assert report.warnings == (
        f"{md} changed after the run wrote it (its SHA-256 differs from run-1.json)",
    )


def test_missing_files_give_nothing(tmp_path: Path) -> None:
    """With the evidence gone, or a format never written, there is no recorded report."""
    journal = _journal(tmp_path, later=False)
    assert recorded_report(journal, "junit") is None
    (tmp_path / "evidence" / "run-1.md").unlink()
    assert recorded_report(journal, "md") is None


def test_the_runs_own_last_phases_are_not_later_events(tmp_path: Path) -> None:
    """Records the run itself wrote after its evidence (its unlock phase) are not "later"."""
    from drillkit.core.plan import Phase
    from drillkit.engine.records import PhaseEntered

    journal = _journal(tmp_path, later=False)
    lines = journal.read_text().splitlines()
    unlock = json.dumps(to_json(PhaseEntered(phase=Phase.UNLOCK, seq=9, wall=WALL)))
    journal.write_text("\n".join([*lines[:2], unlock, lines[2]]) + "\n")
    report = recorded_report(journal, "md")
    assert report is not None and report.later == ()
