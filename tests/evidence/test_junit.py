"""JUnit XML evidence: one testsuite, a testcase per objective, restore and completion."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.evidence import render
from tests.core.timeline_factory import us_outage
from tests.evidence.reports import RUN_ID, make_report


def _suite(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "testsuite"
    return root


def _cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {c.get("name", ""): c for c in suite.findall("testcase")}


def test_passing_run_has_no_failures() -> None:
    """A pass is one suite of four green testcases with the run's properties."""
    suite = _suite(render(make_report(), "junit"))
    assert suite.get("name") == "drillkit.us-outage"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "0", "0")
    assert list(_cases(suite)) == ["objective rto", "objective failback", "restore", "completed"]
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert (props["runId"], props["verdict"], props["exitCode"]) == (RUN_ID, "pass", "0")
    assert all(c.find("failure") is None for c in suite.iter("testcase"))


def test_missed_objective_is_a_failure() -> None:
    """An RTO over its objective is a failure whose message gives real-world seconds."""
    suite = _suite(render(make_report(us_outage(flip=13.0, restore_start=14.0)), "junit"))
    rto = _cases(suite)["objective rto"]
    failure = rto.find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "rto took 128.850s real-world (12.885s measured), objective 120s"
    )
    assert rto.get("time") == "12.885"
    assert suite.get("failures") == "1"


def test_never_happened_objective_fails() -> None:
    """An objective whose metric never happened fails and says so."""
    suite = _suite(render(make_report(us_outage(flip=None)), "junit"))
    failure = _cases(suite)["objective rto"].find("failure")
    assert failure is not None
    assert "never happened" in failure.get("message", "")


def test_restore_incomplete_fails_restore_case() -> None:
    """A failed snapshot item fails the restore testcase and names the item."""
    broken = RestoreCheck(
        "us/node/us-node-1 spec.unschedulable", "false", "true", RestoreOutcome.FAILED, "403"
    )
    suite = _suite(render(make_report(us_outage(checks=(broken,))), "junit"))
    failure = _cases(suite)["restore"].find("failure")
    assert failure is not None
    assert failure.get("type") == "RestoreIncomplete"
    assert "us/node/us-node-1 spec.unschedulable: snapshot false, now true" in (failure.text or "")


def test_abort_is_an_error_on_completed() -> None:
    """An aborted run marks the completed testcase as an error with the abort reason."""
    suite = _suite(render(make_report(us_outage(abort_reason="survivor eu unhealthy")), "junit"))
    error = _cases(suite)["completed"].find("error")
    assert error is not None
    assert error.get("message") == "survivor eu unhealthy"
    assert suite.get("errors") == "1"
