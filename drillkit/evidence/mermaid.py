"""A Mermaid gantt chart of a run: its phases, Traffic Manager detection, each DNS flip, and a
manual drill's page and the person's changes."""

from __future__ import annotations

import re

from drillkit.core.redact import redact_text
from drillkit.core.report import RunReport

# Mermaid's gantt grammar ends a task name at ':' and treats '#' and ';' specially.
_UNSAFE = re.compile(r"[:#;\n\r]+")


def _label(text: str) -> str:
    return " ".join(_UNSAFE.sub(" ", redact_text(text)).split()) or "-"


def _ms(epoch: float) -> int:
    return round(epoch * 1000)


class _Chart:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._ids = 0

    def section(self, name: str) -> None:
        self.lines.append(f"    section {_label(name)}")

    def task(self, name: str, start: float, end: float, *tags: str) -> None:
        self._ids += 1
        end = max(start, end)
        fields = [*tags, f"t{self._ids}", str(_ms(start)), str(_ms(end))]
        self.lines.append(f"    {_label(name)} :{', '.join(fields)}")

    def milestone(self, name: str, at: float) -> None:
        self.task(name, at, at, "milestone")


def gantt(report: RunReport) -> str:
    """The Mermaid source (without the code fence) of the run's timeline, epoch milliseconds."""
    tl, metrics = report.timeline, report.metrics
    chart = _Chart()
    chart.section("Drill")
    injected = tl.fault_injected_at
    chart.task("Baseline", tl.started_at, injected if injected is not None else tl.ended_at, "done")
    if injected is not None:
        chart.task("Outage", injected, tl.outage_end, "crit")
    if tl.restore_started_at is not None:
        restore_end = tl.restored_at if tl.restored_at is not None else tl.ended_at
        chart.task("Restore", tl.restore_started_at, restore_end, "active")
    if tl.restored_at is not None and tl.failback_observed:
        chart.task("Failback observed", tl.restored_at, tl.ended_at)
    if metrics.detected_at is not None:
        chart.milestone(f"{tl.target_region} Degraded", metrics.detected_at)
    if metrics.rto_at is not None:
        chart.milestone("RTO reached", metrics.rto_at)
    if report.human is not None:  # a manual drill: the person's part
        chart.section("On call")
        for step in report.human.steps:
            if step.event in ("paged", "first action", "change"):
                chart.milestone(step.event, step.at)
    for vantage in metrics.vantage_points:
        if injected is None:
            break  # nothing happened to DNS: no per-vantage sections
        chart.section(vantage.name)
        if vantage.normal_region is not None and vantage.normal_region == vantage.expected_region:
            # Its answer was never meant to move: a "to eu" bar would claim a failover.
            chart.task(f"unaffected (stayed on {vantage.normal_region})", injected, tl.outage_end)
            continue
        if vantage.flipped_at is None:
            chart.task(f"never on {vantage.expected_region}", injected, tl.outage_end, "crit")
        else:
            chart.task(f"to {vantage.expected_region}", injected, vantage.flipped_at, "crit")
            chart.milestone(f"DNS on {vantage.expected_region}", vantage.flipped_at)
            if tl.dns_ttl:
                chart.task("cached TTL", vantage.flipped_at, vantage.flipped_at + tl.dns_ttl)
        if tl.restored_at is not None and vantage.failed_back_at is not None:
            chart.task(f"back to {vantage.normal_region}", tl.restored_at, vantage.failed_back_at)
            chart.milestone(f"DNS on {vantage.normal_region}", vantage.failed_back_at)
    header = [
        "gantt",
        f"    title {_label(report.drill.name)} run {_label(report.run_id)}",
        "    dateFormat x",
        "    axisFormat %H:%M:%S",
        "    todayMarker off",
    ]
    return "\n".join(header + chart.lines)


def rto_bars(report: RunReport) -> str | None:
    """A stacked bar per vantage point that moved (Mermaid gantt in compact display mode, so
    that consecutive parts share one row): fault → detection → first and all name servers
    flipped, then the vantage point's flip → first good HTTP, and the TTL tail on its own row.
    None when no vantage point has parts."""
    from drillkit.core.rto_parts import PART_TITLES, rto_parts

    tl, metrics = report.timeline, report.metrics
    injected = tl.fault_injected_at
    parts = rto_parts(tl, metrics)
    if injected is None or not parts:
        return None
    chart = _Chart()
    by_name = {v.name: v for v in metrics.vantage_points}
    for vantage in parts:
        chart.section(vantage.name)
        start = injected
        for name in ("detect", "firstServerFlip", "allServersFlip"):
            part = vantage.parts[name]
            if part is None:
                continue
            base = injected if name == "detect" else injected + _part(vantage.parts["detect"])
            end = base + part.measured
            chart.task(f"{PART_TITLES[name]} ±{part.pm:.3f}", max(start, base), end)
            start = max(start, end)
        flip = by_name[vantage.name].flipped_at
        for name in ("firstGoodHttp", "clientTtl"):
            part = vantage.parts[name]
            if part is not None and flip is not None:
                chart.task(f"{PART_TITLES[name]} ±{part.pm:.3f}", flip, flip + part.measured)
    header = [
        "---",
        "displayMode: compact",
        "---",
        "gantt",
        f"    title {_label(report.drill.name)} RTO in its parts",
        "    dateFormat x",
        "    axisFormat %M:%S.%L",
        "    todayMarker off",
    ]
    return "\n".join(header + chart.lines)


def _part(measure: object) -> float:
    return float(getattr(measure, "measured", 0.0) or 0.0)
