"""The evidence index (README.md): a table of runs and a Mermaid xychart-beta of RTO per drill.

The chart syntax is checked against the documented form at https://mermaid.js.org/syntax/xyChart:
"xychart-beta", then `title "..."`, `x-axis "title" [cat1, "cat2 with space"]`,
`y-axis "title" min --> max`, and `line [values]`; "All text values that contain only one word
can be written without ". If a text value has many words in it, specifically if it contains
spaces, enclose the value in "".
"""

from __future__ import annotations

import re
from pathlib import Path

from drillkit.core.history import RunRow, run_row
from drillkit.evidence.index import rto_chart, write_index
from tests.evidence.history_docs import run_document, write_runs
from tests.evidence.reports import mermaid_blocks, table_under

FIXTURE = Path(__file__).parent / "fixtures" / "rto-chart.mmd"
_TEXT = r'(?:"[^"\n]*"|[^\s"\[\]]+)'
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)"
_LIST = rf"\[\s*{_NUMBER}(?:\s*,\s*{_NUMBER})*\s*\]"
_CATEGORIES = rf"\[\s*{_TEXT}(?:\s*,\s*{_TEXT})*\s*\]"
_STATEMENTS = [
    re.compile(rf"title {_TEXT}"),
    re.compile(rf"x-axis(?: {_TEXT})? (?:{_CATEGORIES}|{_NUMBER} --> {_NUMBER})"),
    re.compile(rf"y-axis(?: {_TEXT})?(?: {_NUMBER} --> {_NUMBER})?"),
    re.compile(rf"(?:line|bar)(?: {_TEXT})? {_LIST}"),
]


def check_xychart(source: str) -> None:
    """Fail unless ``source`` is in the documented xychart-beta form, every series as long as x."""
    header, *statements = source.splitlines()
    assert re.fullmatch(r"xychart-beta(?: horizontal| vertical)?", header), header
    categories = None
    for statement in statements:
        text = statement.strip()
        assert any(p.fullmatch(text) for p in _STATEMENTS), f"not documented syntax: {text}"
        if text.startswith("x-axis") and "[" in text:
            categories = len(re.findall(r'"[^"]*"|[^,\s\[\]"]+', text[text.index("[") :]))
        if text.startswith(("line", "bar")):
            values = len(re.findall(_NUMBER, text[text.index("[") :]))
            assert categories is None or values == categories, text
    assert any(s.strip().startswith(("line", "bar")) for s in statements), "no data series"


def _rows(rtos: list[float], objective: float = 60.0) -> list[RunRow]:
    rows = [run_row(run_document(i, r, objective=objective), "x") for i, r in enumerate(rtos)]
    return [r for r in rows if r is not None]


def test_generated_chart_matches_the_hand_checked_fixture():
    """The chart of five runs is exactly the hand-checked fixture: RTO line, then objective line."""
    chart = rto_chart("us-outage", _rows([40.0, 42.0, 38.0, 130.0, 41.0]))
    assert chart == FIXTURE.read_text().rstrip("\n")


def test_fixture_is_documented_xychart_syntax():
    """The hand-checked fixture passes the documented xychart-beta syntax check."""
    check_xychart(FIXTURE.read_text().rstrip("\n"))


def test_syntax_check_refuses_an_unquoted_multi_word_title():
    """The syntax check is real: an unquoted title with spaces, or a short series, fails it."""
    for bad in (
        "xychart-beta\n    title RTO over time\n    line [1, 2]",
        'xychart-beta\n    x-axis ["a", "b"]\n    line [1, 2, 3]',
    ):
        try:
            check_xychart(bad)
        except AssertionError:
            continue
        raise AssertionError(f"accepted: {bad!r}")


def test_drill_names_cannot_break_out_of_a_quoted_text():
    """A drill name with quotes and brackets is charted with them removed, still valid syntax."""
    chart = rto_chart('evil"] line [1', _rows([10.0, 20.0]))
    assert chart is not None
    check_xychart(chart)


def test_index_has_a_table_of_runs_and_a_chart_per_drill(tmp_path):
    """README.md lists every run newest first with a link and draws one valid chart per drill."""
    documents = [run_document(i, 40.0 + i) for i in range(3)]
    documents.append(run_document(1, 20.0, drill="eu-outage", objective=25.0))
    write_runs(tmp_path, documents)
    text = write_index(tmp_path).read_text()
    runs = table_under(text, "## Runs")
    assert [r["RTO (s)"] for r in runs] == ["42.0", "41.0", "20.0", "40.0"]
    assert runs[0]["Evidence"] == ("[us-outage-20261103T090000Z](us-outage-20261103T090000Z.md)")
    charts = mermaid_blocks(text)
    assert len(charts) == 2
    for chart in charts:
        check_xychart(chart)
    assert "line [25.0]" in charts[0] and "line [40.0, 41.0, 42.0]" in charts[1]


def test_index_of_an_empty_directory_says_so(tmp_path):
    """An evidence directory with no runs gets an index that says there are none."""
    assert "No runs yet." in write_index(tmp_path / "evidence").read_text()
