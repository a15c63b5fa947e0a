"""Evidence shows predicted against measured (detection and each DNS flip) and the verdict's
warnings, in JSON and in Markdown."""

from __future__ import annotations

import json

from drillkit.core.design import Monitor, predict
from drillkit.core.report import RunReport, build_report
from drillkit.evidence import render
from tests.core.timeline_factory import us_outage
from tests.evidence.reports import RUN_ID, SHA, sandbox_drill, table_under

PREDICTION = predict(Monitor(interval_s=10, timeout_s=5, tolerated_failures=3), 30)


def _report() -> RunReport:
    return build_report(
        run_id=RUN_ID,
        drill=sandbox_drill(),
        drill_path="drills/sandbox/us-outage.yaml",
        drill_sha256=SHA,
        run_by="sre@laptop",
        timeline=us_outage(),
        prediction=PREDICTION,
    )


def test_json_evidence_puts_predicted_next_to_measured() -> None:
    """The JSON evidence carries the prediction and one row per measure with its window."""
    doc = json.loads(render(_report(), "json"))
    assert doc["prediction"]["detectionS"] == [30.0, 45.0]
    rows = {row["name"]: row for row in doc["predictedVsMeasured"]}
    assert rows["detection"]["predictedS"] == [30.0, 45.0]
    assert rows["detection"]["measuredS"] == doc["metrics"]["timeToDetect"]["realS"]
    assert set(rows) == {"detection", "dnsFlip:new-york"}  # paris is on eu already


def test_markdown_evidence_has_a_predicted_against_measured_table() -> None:
    """The Markdown evidence has a table with the predicted window and measure per row."""
    markdown = render(_report(), "md")
    table = table_under(markdown, "## Predicted against measured")
    assert table[0]["Measure"] == "detection" and table[0]["Predicted (s)"] == "30.0-45.0"
    assert table[-1]["Measure"] == "clients (flip + TTL)"
