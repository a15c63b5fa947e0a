"""Run reports of the sandbox us-outage drill for evidence tests, and a Markdown table reader."""

from __future__ import annotations

import re
from dataclasses import replace

from drillkit.core.data import (
    CanaryReadSample,
    CanaryWriteSample,
    DataMetrics,
    Role,
    data_metrics,
)
from drillkit.core.report import RunReport, build_report
from drillkit.core.timeline import Timeline
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill
from tests.conftest import DRILLS, US_OUTAGE
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


DATA_T0 = 1_700_000_000.0
DATA_DRILL = DRILLS / "sandbox" / "us-outage-data.yaml"


def canary_samples(
    fault_at: float, restored_at: float, writes: int = 30, lost: int = 2, lag_step: float = 0.0
) -> tuple[list[CanaryWriteSample], list[CanaryReadSample]]:
    """Canary "orders": writes every 0.1 s from 2 s before the fault, the target refusing from
    1 s after it (the last ``lost`` acked writes never read on the survivor; write ``i`` is read
    ``i * lag_step`` s later than the first), two survivor writes from 2 s after the fault read
    back through the target just after restore."""
    t0 = fault_at - 2
    ws = [CanaryWriteSample("orders", f"o-{i}", Role.TARGET, t0 + i / 10, t0 + i / 10 + 0.01,
                            i / 10 < 3) for i in range(writes)]  # fmt: skip
    acked = [w for w in ws if w.acked]
    rs = [CanaryReadSample("orders", w.id, Role.SURVIVOR, True, w.sent_at + 0.1 + i * lag_step,
                           w.sent_at + 0.21 + i * lag_step, 2)
          for i, w in enumerate(acked[: len(acked) - lost])]  # fmt: skip
    ws += [CanaryWriteSample("orders", f"s-{i}", Role.SURVIVOR, fault_at + 2 + i,
                             fault_at + 2.01 + i, True) for i in range(2)]  # fmt: skip
    rs += [CanaryReadSample("orders", f"s-{i}", Role.TARGET, True, restored_at + 0.1,
                            restored_at + 0.3, 3) for i in range(2)]  # fmt: skip
    return ws, rs


def data_figures(writes: int = 30, lost: int = 2) -> DataMetrics:
    """The figures of :func:`canary_samples` with the fault at DATA_T0 + 2 and restore done at
    DATA_T0 + 5."""
    fault_at, restored_at = DATA_T0 + 2, DATA_T0 + 5
    ws, rs = canary_samples(fault_at, restored_at, writes, lost)
    return data_metrics(["orders"], ws, rs, fault_at=fault_at, restored_at=restored_at)


def data_report() -> RunReport:
    """A report of the shipped us-outage-data drill (canary "orders", ``rpo`` and
    ``lostWrites`` objectives) over the us-outage timeline (new-york moves, so it has RTO
    parts) carrying :func:`canary_samples` with a growing lag and the target refusing writes
    from 1 s after the fault: two writes lost (RPO > 0), so it fails lostWrites."""
    timeline = us_outage()
    assert timeline.fault_injected_at is not None and timeline.restored_at is not None
    ws, rs = canary_samples(
        timeline.fault_injected_at, timeline.restored_at, writes=40, lag_step=0.01
    )
    timeline = replace(timeline, canary_writes=tuple(ws), canary_reads=tuple(rs))
    return make_report(timeline, load_drill(DATA_DRILL))


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
