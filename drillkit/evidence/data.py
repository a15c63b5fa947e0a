"""The data section of evidence: canary figures as JSON, a Markdown section and a lag chart.

Figures from sampling are intervals: JSON carries ``measuredS`` (midpoint) and
``uncertaintyS`` (half width), and their real-world equivalents (divided by the time scale);
Markdown shows ``midpoint ± half width``. The Pushgateway export (``core/export.py``) pushes
the same figures from the same :class:`DataMetrics`, in real-world seconds: ``realS`` as
``drillkit_rpo_seconds``, ``drillkit_replication_lag_seconds{canary,phase,quantile}`` and
``drillkit_write_back_seconds{canary}``, ``realUncertaintyS`` as their ``..._uncertainty_seconds``
twins, ``lostWriteCount`` as ``drillkit_lost_writes`` and the write-back counts as
``drillkit_write_back_writes{canary,state}``.
"""

from __future__ import annotations

import math
from typing import Any

from drillkit.core.data import CanaryMetrics, DataMetrics, Interval, LagPoint, LagSummary

MAX_CHART_POINTS = 80


def interval_json(value: Interval | None, scale: float) -> dict[str, float] | None:
    """An interval as measured and real-world seconds, midpoint and half width."""
    if value is None:
        return None
    return {
        "measuredS": round(value.mid, 4),
        "uncertaintyS": round(value.half, 4),
        "realS": round(value.mid / scale, 3),
        "realUncertaintyS": round(value.half / scale, 3),
    }


def _summary(summary: LagSummary, scale: float) -> dict[str, Any]:
    return {
        "count": summary.count,
        "p50": interval_json(summary.p50, scale),
        "p95": interval_json(summary.p95, scale),
        "max": interval_json(summary.max, scale),
    }


def _canary(c: CanaryMetrics, scale: float, fault_at: float | None) -> dict[str, Any]:
    origin = fault_at if fault_at is not None else (c.points[0].written.mid if c.points else 0.0)
    return {
        "name": c.name,
        "acked": c.acked,
        "refusedAfterFault": c.refused,
        "lagBefore": _summary(c.lag_before, scale),
        "lagDuring": _summary(c.lag_during, scale),
        "lostWrites": list(c.lost),
        "stoppedAcknowledgingAt": (
            None if c.stopped is None else {"from": c.stopped.low, "to": c.stopped.high}
        ),
        "rpo": interval_json(c.rpo, scale),
        "writeBack": {
            "accepted": c.write_back.accepted,
            "readable": c.write_back.readable,
            "missing": list(c.write_back.missing),
            "time": interval_json(c.write_back.time, scale),
        },
        "lagSeries": [
            {
                "id": p.id,
                "sinceFaultS": round(p.written.mid - origin, 4),
                "lagS": round(p.lag.mid, 4),
                "uncertaintyS": round(p.lag.half, 4),
            }
            for p in c.points
        ],
    }


def data_document(data: DataMetrics, scale: float, fault_at: float | None) -> dict[str, Any]:
    """The ``data`` object of the JSON evidence."""
    return {
        "rpo": interval_json(data.rpo, scale),
        "lostWrites": list(data.lost),
        "lostWriteCount": len(data.lost),
        "canaries": [_canary(c, scale, fault_at) for c in data.canaries],
    }


def _groups(points: tuple[LagPoint, ...]) -> list[list[LagPoint]]:
    size = max(1, math.ceil(len(points) / MAX_CHART_POINTS))
    return [list(points[i : i + size]) for i in range(0, len(points), size)]


def lag_chart(c: CanaryMetrics, scale: float, fault_at: float | None) -> str | None:
    """Mermaid xychart source: lag per write (line, real-world s) and the fault (a bar)."""
    if not c.points:
        return None
    origin = fault_at if fault_at is not None else c.points[0].written.mid
    groups = _groups(c.points)
    labels = [f'"{(g[0].written.mid - origin) / scale:+.1f}"' for g in groups]
    lags = [max(p.lag.mid for p in g) / scale for g in groups]
    top = max(lags) * 1.1 or 1.0
    first_after = next(
        (i for i, g in enumerate(groups) if fault_at is not None and g[-1].written.mid >= fault_at),
        None,
    )
    lines = [
        "xychart-beta",
        f'    title "{c.name}: replication lag per acknowledged write (bar: the fault)"',
        f'    x-axis "real-world s since the fault" [{", ".join(labels)}]',
        f'    y-axis "lag, real-world s" 0 --> {top:.2f}',
    ]
    if first_after is not None:
        marker = [f"{top:.2f}" if i == first_after else "0" for i in range(len(groups))]
        lines.append(f"    bar [{', '.join(marker)}]")
    lines.append(f"    line [{', '.join(f'{v:.3f}' for v in lags)}]")
    return "\n".join(lines)


def _text(value: Interval | None, scale: float) -> tuple[str, str]:
    if value is None:
        return "-", "-"
    return value.text(), value.text(scale)


def _canary_markdown(
    c: CanaryMetrics, scale: float, fault_at: float | None, target: str, survivor: str
) -> list[str]:
    rows: list[tuple[str, Interval | None]] = [
        ("Lag p50 before the fault", c.lag_before.p50),
        ("Lag p95 before the fault", c.lag_before.p95),
        ("Lag max before the fault", c.lag_before.max),
        ("Lag p50 during the fault", c.lag_during.p50),
        ("Lag p95 during the fault", c.lag_during.p95),
        ("Lag max during the fault", c.lag_during.max),
        ("RPO (back from when the target stopped acknowledging)", c.rpo),
        ("Write-back time (after restore)", c.write_back.time),
    ]
    out = [
        f"### Canary {c.name}",
        "",
        f"{c.acked} writes acknowledged by {target} "
        f"({c.lag_before.count} read on {survivor} before the fault, "
        f"{c.lag_during.count} during it); {c.refused} refused after the fault.",
        "",
        "| Figure | Measured | Real-world equivalent |",
        "|---|---|---|",
    ]
    for name, value in rows:
        measured, real = _text(value, scale)
        out.append(f"| {name} | {measured} | {real} |")
    lost = ", ".join(f"`{i}`" for i in c.lost) or "none"
    out += ["", f"**Lost writes** (acknowledged by {target}, never readable on {survivor}): "
            f"{len(c.lost)}: {lost}."]  # fmt: skip
    back = c.write_back
    missing = ", ".join(f"`{i}`" for i in back.missing)
    out += ["", f"**Write-back after failback**: {back.readable} of {back.accepted} writes "
            f"accepted by {survivor} during the outage readable through {target}"
            + (f"; never readable: {missing}." if missing else ".")]  # fmt: skip
    chart = lag_chart(c, scale, fault_at)
    if chart is not None:
        out += ["", "```mermaid", chart, "```"]
    return out


def data_markdown(
    data: DataMetrics, scale: float, fault_at: float | None, target: str, survivor: str
) -> str:
    """The Markdown data section (empty when the drill has no canary)."""
    if not data.canaries:
        return ""
    out = [
        "## Data (replication canaries)",
        "",
        f"Each canary wrote through {target} and read every acknowledged write on {survivor}. "
        "Figures from sampling read midpoint ± half width; real-world = measured / time "
        f"scale ({scale:g}). A lost write was acknowledged and never readable by the end of the "
        "drill. The canary proves what happened to its own writes only: other data, other "
        "write paths and the consistency your application reads with are not measured.",
        "",
    ]
    for canary in data.canaries:
        out += [*_canary_markdown(canary, scale, fault_at, target, survivor), ""]
    return "\n".join(out)
