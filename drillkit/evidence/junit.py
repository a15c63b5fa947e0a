"""JUnit XML evidence for pipelines: one testcase per objective, plus restore and completion."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from drillkit.core.redact import redact_text
from drillkit.core.report import RunReport
from drillkit.core.timeline import RestoreOutcome
from drillkit.core.verdict import ObjectiveResult
from drillkit.evidence.document import utc


def _objective_case(suite: ET.Element, classname: str, result: ObjectiveResult) -> None:
    measured = result.measured
    case = ET.SubElement(
        suite,
        "testcase",
        classname=classname,
        name=f"objective {result.name}",
        time=f"{measured.measured:.3f}" if measured is not None else "0",
    )
    if result.held:
        return
    if not result.judged:
        skipped = ET.SubElement(case, "skipped", message="not measured: the run did not complete")
        skipped.text = "not measured"
        return
    if measured is None:
        message = f"{result.name} never happened (objective {result.target:g}s real-world)"
    else:
        message = (
            f"{result.name} took {measured.real:.3f}s real-world "
            f"({measured.measured:.3f}s measured), objective {result.target:g}s"
        )
    failure = ET.SubElement(case, "failure", message=message, type="ObjectiveMissed")
    failure.text = message


def _restore_case(suite: ET.Element, classname: str, report: RunReport) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name="restore", time="0")
    restore = report.metrics.restore
    if restore is not None:
        case.set("time", f"{restore.measured:.3f}")
    if report.verdict.restored:
        return
    bad = [c for c in report.timeline.restore_checks if c.outcome is not RestoreOutcome.RESTORED]
    lines = [
        f"{c.what}: snapshot {c.expected}, now {c.actual} ({c.outcome}) {c.detail}" for c in bad
    ]
    error = ET.SubElement(
        case, "error", message=redact_text(report.verdict.reason), type="RestoreIncomplete"
    )
    error.text = redact_text("\n".join(lines) or "restore never finished")


def _completed_case(suite: ET.Element, classname: str, report: RunReport) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name="completed", time="0")
    tl = report.timeline
    reason = tl.abort_reason
    kind = "DrillInterrupted" if tl.signal else "DrillAborted"
    if tl.refused_reason is not None and tl.fault_injected_at is None:
        reason, kind = tl.refused_reason, "PreflightRefused"
    elif tl.died_during is not None:
        reason, kind = f"the runner died during {tl.died_during}", "RunnerDied"
    if reason is not None:
        error = ET.SubElement(case, "error", message=redact_text(reason), type=kind)
        error.text = redact_text(report.verdict.reason)


def render_junit(report: RunReport) -> str:
    """One ``testsuite`` for the run; failures for missed objectives and incomplete restore."""
    classname = f"drillkit.{report.drill.name}"
    suite = ET.Element(
        "testsuite",
        name=classname,
        timestamp=(utc(report.started_at) or "").removesuffix("Z"),
        time=f"{report.ended_at - report.started_at:.3f}",
        hostname=redact_text(report.run_by.partition("@")[2] or "unknown"),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("runId", report.run_id),
        ("verdict", str(report.verdict.outcome)),
        ("exitCode", str(int(report.verdict.exit_code))),
        ("drillFile", report.drill.path),
        ("drillSha256", report.drill.sha256),
        ("toolVersion", report.tool_version),
        ("runBy", report.run_by),
        ("environment", report.environment),
        ("timeScale", f"{report.timeline.time_scale:g}"),
    ):
        ET.SubElement(properties, "property", name=name, value=redact_text(value))
    for result in report.verdict.objectives:
        _objective_case(suite, classname, result)
    _restore_case(suite, classname, report)
    _completed_case(suite, classname, report)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
