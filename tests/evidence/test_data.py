"""The data section of evidence: JSON figures, Markdown text and the Mermaid lag chart."""

from __future__ import annotations

import json

from drillkit.core.data import data_metrics
from drillkit.evidence.data import data_document, data_markdown, lag_chart
from tests.evidence.reports import DATA_T0 as T0
from tests.evidence.reports import data_figures as metrics

SCALE = 0.1


def test_json_carries_every_figure_with_its_uncertainty() -> None:
    """rpo, lost ids, lag percentiles, write-back: measured and real-world, midpoint and half
    width, JSON-serialisable as is."""
    doc = data_document(metrics(), SCALE, T0 + 2)
    json.dumps(doc)
    assert doc["lostWrites"] == ["o-28", "o-29"] and doc["lostWriteCount"] == 2
    assert set(doc["rpo"]) == {"measuredS", "uncertaintyS", "realS", "realUncertaintyS"}
    [canary] = doc["canaries"]
    assert canary["lagBefore"]["count"] == 20 and canary["lagDuring"]["count"] == 8
    assert canary["lagBefore"]["p95"]["realS"] == canary["lagBefore"]["p95"]["measuredS"] * 10
    assert canary["writeBack"] == {
        "accepted": 2, "readable": 2, "missing": [],
        "time": {"measuredS": 0.2, "uncertaintyS": 0.1, "realS": 2.0, "realUncertaintyS": 1.0},
    }  # fmt: skip
    assert canary["lagSeries"][0]["sinceFaultS"] == -1.995


def test_markdown_names_lost_writes_and_write_back() -> None:
    """The section lists every lost id, the write-back count, and ± figures."""
    text = data_markdown(metrics(), SCALE, T0 + 2, "us", "eu")
    assert text.startswith("## Data (replication canaries)")
    assert "never readable on eu): 2: `o-28`, `o-29`." in text
    assert "2 of 2 writes accepted by eu during the outage readable through us." in text
    assert "| RPO (back from when the target stopped acknowledging) |" in text
    assert " ± " in text and "```mermaid\nxychart-beta" in text
    assert data_markdown(data_metrics([], [], [], fault_at=None, restored_at=None), SCALE,
                         None, "us", "eu") == ""  # fmt: skip


def test_the_chart_marks_the_fault_and_stays_small() -> None:
    """One bar at the first write after the fault, a line of real-world lags, and no more than
    80 points however many writes there were."""
    [canary] = metrics(writes=400, lost=0).canaries
    chart = lag_chart(canary, SCALE, T0 + 2)
    assert chart is not None
    bar = next(line for line in chart.splitlines() if line.strip().startswith("bar"))
    values = bar.split("[")[1].rstrip("]").split(", ")
    assert len(values) <= 80 and sum(v != "0" for v in values) == 1
    line = next(line for line in chart.splitlines() if line.strip().startswith("line"))
    assert len(line.split(", ")) == len(values)
    assert 'x-axis "real-world s since the fault"' in chart


def test_run_output_json_carries_the_data_figures_without_the_series() -> None:
    """`drillkit run --output json` has the canaries' figures (for scripts), without the
    per-write lag series that only evidence needs."""
    from dataclasses import replace
    from pathlib import Path

    from drillkit.evidence.document import run_summary
    from tests.evidence.reports import make_report

    report = replace(make_report(), data=metrics())
    summary = run_summary(report, evidence={}, journal=Path("j.jsonl"))
    assert summary["data"]["lostWrites"] == ["o-28", "o-29"]
    assert "lagSeries" not in summary["data"]["canaries"][0]
    assert "data" not in run_summary(make_report(), evidence={}, journal=Path("j.jsonl"))
