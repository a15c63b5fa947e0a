"""Evidence and `report` say what happened (issue 18, scenario 12): refused is REFUSED (exit 3),
aborted objectives are not measured, a dead runner is named with its phase and the restore that
followed, JUnit errors are not failures, and a later restore never rewrites the run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

from drillkit.engine.reporting import report_from_journal
from drillkit.evidence import render
from tests.core.timeline_factory import us_outage
from tests.evidence.reports import make_report

ROOT = Path(__file__).resolve().parents[2]


def _junit_cases(xml: str) -> dict[str, ET.Element]:
    suite = ET.fromstring(xml.split("\n", 1)[1])
    return {c.get("name", ""): c for c in suite.findall("testcase")}


def test_a_refused_run_is_refused_not_failed() -> None:
    """A run refused in preflight renders as REFUSED (exit code 3), objectives not measured."""
    timeline = replace(
        us_outage(), fault_injected_at=None, refused_reason="the context is a viewer", ended_at=0
    )
    report = make_report(timeline)
    markdown = render(report, "md")
    assert "**REFUSED** (exit code 3)" in markdown and "Objective missed" not in markdown
    assert "MISSED" not in markdown and "❌" not in markdown and "not measured" in markdown
    cases = _junit_cases(render(report, "junit"))
    assert cases["completed"].find("error") is not None
    assert all(c.find("failure") is None for c in cases.values())


def test_an_aborted_run_measures_no_objective() -> None:
    """Aborted: every objective is 'not measured' (never MISSED), JUnit has an <error> and no
    <failure>, and the chart draws no failback bar."""
    timeline = replace(
        us_outage(abort_reason="survivor eu failed its HTTP check 3 times", flip=None),
        abort_phase="observe",
        failback_observed=False,
    )
    report = make_report(timeline)
    assert {o.status for o in report.verdict.objectives} == {"not measured"}
    assert report.verdict.exit_code == 4
    markdown = render(report, "md")
    assert "MISSED" not in markdown and "Aborted during observe" in markdown
    assert "Failback observed" not in markdown
    cases = _junit_cases(render(report, "junit"))
    assert cases["completed"].find("error") is not None
    assert all(c.find("failure") is None for c in cases.values())
    assert cases["objective rto"].find("skipped") is not None


def test_an_interrupted_run_names_the_signal_and_the_phase() -> None:
    """Interrupted by SIGTERM during inject: the verdict says so, with exit 130."""
    timeline = replace(
        us_outage(abort_reason="interrupted by SIGTERM"),
        interrupted=True,
        signal="SIGTERM",
        abort_phase="inject",
    )
    verdict = make_report(timeline).verdict
    assert verdict.reason == "Interrupted by SIGTERM during inject; the world was restored."
    assert verdict.exit_code == 130


def _journal(tmp_path: Path, *records: dict[str, Any]) -> Path:
    from drillkit.spec.loader import load_drill

    drill = load_drill(ROOT / "drills" / "sandbox" / "us-outage.yaml")
    started = {"kind": "run.started", "runId": "r1", "wall": 100.0,
               "drill": drill.model_dump(mode="json", by_alias=True)}  # fmt: skip
    path = tmp_path / "r1" / "journal.jsonl"
    path.parent.mkdir(parents=True)
    lines = [{"seq": i, "mono": 0, **r} for i, r in enumerate((started, *records), start=1)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


ITEM = {"what": "us/node/us-node-1 spec.unschedulable", "kind": "node", "region": "us",
        "ref": {"name": "us-node-1"}, "value": False}  # fmt: skip
RUN = (
    {"kind": "phase", "wall": 101.0, "phase": "snapshot"},
    {"kind": "snapshot", "wall": 101.5, "items": [ITEM]},
    {"kind": "phase", "wall": 102.0, "phase": "inject"},
    {"kind": "intent", "wall": 102.5, "id": "m1", "action": "cordon", "item": ITEM["what"],
     "value": True},
    {"kind": "mark", "wall": 103.0, "name": "fault_injected", "at": 103.0},
    {"kind": "phase", "wall": 104.0, "phase": "observe"},
)  # fmt: skip
RESTORE = (
    {"kind": "recovery.started", "wall": 200.0},
    {"kind": "mark", "wall": 200.0, "name": "restore_started", "at": 200.0},
    {"kind": "restore.check", "wall": 201.0, "what": ITEM["what"], "expected": "false",
     "actual": "false", "outcome": "restored"},
    {"kind": "mark", "wall": 201.0, "name": "restored", "at": 201.0},
    {"kind": "recovery.finished", "wall": 202.0, "restored": True},
)  # fmt: skip


def test_a_killed_then_restored_run_says_so(tmp_path: Path) -> None:
    """SIGKILLed during observe, then `drillkit restore`: 'the runner died during observe;
    restored by `drillkit restore` at T (exit 0)', no failback advice, no MISSED."""
    report = report_from_journal(_journal(tmp_path, *RUN, *RESTORE))
    assert report.verdict.reason == (
        "The runner died during observe; restored by `drillkit restore` at "
        "1970-01-01T00:03:22Z (exit 0)."
    )
    markdown = render(report, "md")
    assert "failback never happened" not in markdown and "probe settings" not in markdown
    assert "MISSED" not in markdown and "## Restore after the run" in markdown
    cases = _junit_cases(render(report, "junit"))
    assert cases["completed"].find("error") is not None
    assert all(c.find("failure") is None for c in cases.values())


def test_a_later_restore_never_rewrites_the_run(tmp_path: Path) -> None:
    """A run that ended, then `drillkit restore`: the run's own timeline, chart and checks are
    unchanged; the later restore is a section of its own."""
    ended = (
        {"kind": "mark", "wall": 105.0, "name": "restore_started", "at": 105.0},
        {"kind": "restore.check", "wall": 106.0, "what": ITEM["what"], "expected": "false",
         "actual": "(unknown)", "outcome": "failed", "detail": "API down"},
        {"kind": "mark", "wall": 106.0, "name": "restored", "at": 106.0},
        {"kind": "mark", "wall": 107.0, "name": "ended", "at": 107.0},
        {"kind": "verdict", "wall": 107.0, "outcome": "restore-incomplete", "restored": False},
        {"kind": "run.finished", "wall": 107.0, "verdict": "restore-incomplete"},
    )  # fmt: skip
    before = report_from_journal(_journal(tmp_path / "a", *RUN, *ended))
    after = report_from_journal(_journal(tmp_path / "b", *RUN, *ended, *RESTORE))
    assert after.timeline.restore_checks == before.timeline.restore_checks
    assert after.timeline.restored_at == before.timeline.restored_at == 106.0
    md_before, md_after = render(before, "md"), render(after, "md")
    chart = md_before.split("```mermaid")[1].split("```")[0]
    assert chart == md_after.split("```mermaid")[1].split("```")[0]
    assert "## Restore after the run" not in md_before
    assert "## Restore after the run" in md_after and "exit 0" in md_after
