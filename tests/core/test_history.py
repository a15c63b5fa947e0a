"""Run history: rows newest first, trends, and the three kinds of regression."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drillkit.core.history import (
    RegressionKind,
    RunRow,
    build_history,
    percentile,
    run_row,
)
from tests.evidence.history_docs import START, run_document


def _rows(rtos: list[float | None], **kwargs: Any) -> list[RunRow]:
    rows = [run_row(run_document(i, rto, **kwargs), f"r{i}.md") for i, rto in enumerate(rtos)]
    return [r for r in rows if r is not None]


def test_rows_are_newest_first_with_margins():
    """Rows come newest first and each objective's margin is its target minus the real RTO."""
    history = build_history(_rows([40.0, 50.0, 45.0]))
    assert [r.rto_s for r in history.rows] == [45.0, 50.0, 40.0]
    assert history.rows[0].objectives[0].margin_s == 75.0
    assert history.rows[0].time_to_detect_s == 30.0 and history.rows[0].failback_s == 20.0


def test_not_a_run_document_is_no_row():
    """A JSON document without a start time, drill and verdict gives no row."""
    assert run_row({"kind": "DrillkitEvidenceGenesis"}, "chain-genesis.json") is None


def test_trend_is_median_and_nearest_rank_p95_of_the_last_n():
    """The trend is the median and nearest-rank p95 RTO of the last N runs only."""
    rtos = [100.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    trend = build_history(_rows(rtos), last=5).trends[0]
    assert (trend.runs, trend.median_rto_s, trend.p95_rto_s) == (5, 30.0, 50.0)
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([], 95) is None


def test_missed_objective_is_flagged():
    """A run whose RTO is over its objective is flagged objective-missed, naming both figures."""
    history = build_history(_rows([40.0, 130.0]))
    (regression,) = history.regressions
    assert regression.kind is RegressionKind.OBJECTIVE_MISSED
    assert regression.detail == "rto 130.0 s > objective 120 s"
    assert history.trends[0].last_pass == START


def test_rto_spike_over_median_of_previous_five_passing_runs():
    """An RTO over 1.5x the median of the previous 5 passing runs is flagged; 1.5x is not."""
    base = [90.0, 40.0, 40.0, 42.0, 38.0, 40.0]  # median of the last five passing: 40
    spiked = build_history(_rows([*base, 61.0])).regressions
    assert [g.kind for g in spiked] == [RegressionKind.RTO_SPIKE]
    assert "1.5x the median 40.0 s of the previous 5 passing runs" in spiked[0].detail
    assert build_history(_rows([*base, 60.0])).regressions == ()


def test_spike_needs_three_earlier_passing_runs():
    """With fewer than three earlier passing runs there is no median and no spike."""
    assert build_history(_rows([10.0, 10.0, 50.0])).regressions == ()


def test_margin_shrinking_three_runs_in_a_row():
    """A margin that shrank three runs in a row is flagged on the third shrink, not before."""
    history = build_history(_rows([40.0, 41.0, 42.0, 43.0], objective=120.0))
    (regression,) = history.regressions
    assert regression.kind is RegressionKind.MARGIN_SHRINKING
    assert regression.run_id == history.rows[0].run_id
    assert "80.0 -> 79.0 -> 78.0 -> 77.0" in regression.detail
    assert build_history(_rows([40.0, 41.0, 42.0])).regressions == ()


def test_filters_by_drill_and_since_but_judges_against_earlier_runs():
    """--drill and --since filter the rows; a regression is still judged on earlier runs."""
    rows = [*_rows([40.0, 40.0, 40.0, 40.0, 70.0]), *_rows([10.0], drill="eu-outage")]
    since = START + timedelta(days=4)
    history = build_history(rows, drill="us-outage", since=since)
    assert [r.drill for r in history.rows] == ["us-outage"]
    assert [g.kind for g in history.regressions] == [RegressionKind.RTO_SPIKE]
