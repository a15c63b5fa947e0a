"""Run history as text, Markdown or a stable JSON document (``drillkit history``).

The JSON document (``schemaVersion`` 1, documented in docs/history.md) never drops or renames a
key within a schema version; durations are real-world-equivalent seconds and carry ``S``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from drillkit.core.history import History, RunRow, Trend

HISTORY_SCHEMA_VERSION = 1


def _utc(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(row: RunRow, flagged: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "runId": row.run_id,
        "startedAtUtc": _utc(row.started_at),
        "drill": row.drill,
        "target": row.target,
        "outcome": row.outcome,
        "rtoS": row.rto_s,
        "timeToDetectS": row.time_to_detect_s,
        "failbackS": row.failback_s,
        "objectives": [
            {
                "name": o.name,
                "targetS": o.target_s,
                "measuredS": o.measured_s,
                "held": o.held,
                "marginS": o.margin_s,
            }
            for o in row.objectives
        ],
        "evidence": row.evidence,
        "regressions": flagged.get(row.run_id, []),
    }


def _trend(trend: Trend) -> dict[str, Any]:
    return {
        "drill": trend.drill,
        "runs": trend.runs,
        "passed": trend.passed,
        "medianRtoS": trend.median_rto_s,
        "p95RtoS": trend.p95_rto_s,
        "rtoObjectiveS": trend.rto_objective_s,
        "lastPassUtc": _utc(trend.last_pass),
    }


def _flags(history: History) -> dict[str, list[str]]:
    flagged: dict[str, list[str]] = {}
    for regression in history.regressions:
        flagged.setdefault(regression.run_id, []).append(str(regression.kind))
    return flagged


def history_document(
    history: History, evidence_dir: str, filters: dict[str, Any], unreadable: list[dict[str, str]]
) -> dict[str, Any]:
    """The history as JSON-ready data (see the module docstring)."""
    flagged = _flags(history)
    return {
        "schemaVersion": HISTORY_SCHEMA_VERSION,
        "kind": "DrillkitHistory",
        "evidenceDir": evidence_dir,
        "filters": filters,
        "runs": [_row(r, flagged) for r in history.rows],
        "trends": [_trend(t) for t in history.trends],
        "regressions": [
            {"runId": g.run_id, "drill": g.drill, "kind": str(g.kind), "detail": g.detail}
            for g in history.regressions
        ],
        "unreadable": unreadable,
    }


def render_history_json(document: dict[str, Any]) -> str:
    """The history document, pretty-printed, newline-terminated."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def seconds(value: float | None) -> str:
    """A duration for people: one decimal, ``-`` for never."""
    return "-" if value is None else f"{value:.1f}"


def margins(row: dict[str, Any]) -> str:
    """Each objective's margin, e.g. ``rto +12.0`` (negative: missed by that much)."""
    parts = [
        f"{o['name']} {'never' if o['marginS'] is None else format(o['marginS'], '+.1f')}"
        for o in row["objectives"]
    ]
    return ", ".join(parts) or "-"


_COLUMNS = ("time (UTC)", "drill", "target", "outcome", "RTO", "detect", "failback", "margins")


def _cells(row: dict[str, Any]) -> list[str]:
    flag = " !" if row["regressions"] else ""
    return [
        row["startedAtUtc"] or "-",
        row["drill"],
        row["target"] or "-",
        row["outcome"] + flag,
        seconds(row["rtoS"]),
        seconds(row["timeToDetectS"]),
        seconds(row["failbackS"]),
        margins(row),
    ]


def _trend_line(trend: dict[str, Any]) -> str:
    objective = trend["rtoObjectiveS"]
    goal = "" if objective is None else f", objective {objective:g} s"
    last = trend["lastPassUtc"] or "never"
    return (
        f"{trend['drill']}: last {trend['runs']} runs, {trend['passed']} passed; RTO median "
        f"{seconds(trend['medianRtoS'])} s, p95 {seconds(trend['p95RtoS'])} s{goal}; "
        f"last pass {last}"
    )


def render_history_text(document: dict[str, Any]) -> str:
    """An aligned table, newest first, then the trends and the regressions."""
    if not document["runs"]:
        return f"no runs in {document['evidenceDir']}\n"
    rows = [list(_COLUMNS), *(_cells(r) for r in document["runs"])]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines += [f"  ! {r['runId']}: {r['evidence']}" for r in document["runs"] if r["regressions"]]
    lines += ["", "Trend (real-world seconds):"]
    lines += [f"  {_trend_line(t)}" for t in document["trends"]]
    lines += ["", f"Regressions ({len(document['regressions'])}):"]
    lines += [f"  ! {g['runId']} {g['kind']}: {g['detail']}" for g in document["regressions"]]
    lines += [f"  unreadable {u['path']}: {u['error']}" for u in document["unreadable"]]
    return "\n".join(lines) + "\n"


def _md(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or "-"


def render_history_markdown(document: dict[str, Any]) -> str:
    """The history as Markdown: a table of runs, the trends, the regressions."""
    lines = [
        "| Time (UTC) | Drill | Target | Outcome | RTO (s) | Detect (s) | Failback (s) "
        "| Margins (s) | Evidence |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in document["runs"]:
        outcome = row["outcome"] + (" ⚠️" if row["regressions"] else "")
        cells = [*_cells(row)[:3], outcome, *_cells(row)[4:]]
        link = f"[{_md(row['runId'])}]({row['evidence']})"
        lines.append("| " + " | ".join(_md(c) for c in cells) + f" | {link} |")
    lines += ["", "**Trend** (real-world seconds)", ""]
    lines += [f"- {_md(_trend_line(t))}" for t in document["trends"]]
    lines += ["", f"**Regressions** ({len(document['regressions'])})", ""]
    lines += [f"- `{g['runId']}` {g['kind']}: {_md(g['detail'])}" for g in document["regressions"]]
    return "\n".join(lines) + "\n"
