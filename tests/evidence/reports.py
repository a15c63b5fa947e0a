"""Run reports of the sandbox us-outage drill for evidence tests, and a Markdown table reader."""

from __future__ import annotations

import re

from drillkit.core.report import RunReport, build_report
from drillkit.core.timeline import Timeline
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill
from tests.conftest import US_OUTAGE
from tests.core.timeline_factory import us_outage

RUN_ID = "us-outage-20231114T221318Z"
SHA = "9f" * 32


def sandbox_drill(**metadata: str) -> Drill:
    """The us-outage drill, with metadata fields replaced."""
    drill = load_drill(US_OUTAGE)
    if not metadata:
        return drill
    return drill.model_copy(update={"metadata": drill.metadata.model_copy(update=metadata)})


def make_report(timeline: Timeline | None = None, drill: Drill | None = None) -> RunReport:
    """A report of the us-outage drill over ``timeline`` (a passing run by default)."""
    return build_report(
        run_id=RUN_ID,
        drill=drill or sandbox_drill(),
        drill_path="drills/sandbox/us-outage.yaml",
        drill_sha256=SHA,
        run_by="sre@laptop",
        timeline=timeline or us_outage(),
        journal_paths=(f".drillkit/runs/{RUN_ID}/journal.jsonl",),
    )


def headings(markdown: str) -> list[str]:
    """Every ATX heading outside code fences."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6} ", line):
            out.append(line)
    return out


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def table_under(markdown: str, heading: str) -> list[dict[str, str]]:
    """The first table after ``heading``, as rows keyed by its header cells."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(_cells(line))
        elif rows:
            break
    header, separator, *body = rows
    assert all(re.fullmatch(r"-{3,}", c) for c in separator), separator
    assert all(len(r) == len(header) for r in body), "a row has the wrong number of cells"
    return [dict(zip(header, r, strict=True)) for r in body]


def mermaid_blocks(markdown: str) -> list[str]:
    """The source of every ```mermaid fenced block."""
    return re.findall(r"^```mermaid\n(.*?)\n```$", markdown, flags=re.S | re.M)
