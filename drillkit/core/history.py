"""Run history across evidence documents: rows, per-drill RTO trends and flagged regressions.

Pure functions over the evidence JSON documents (already read); no clock, no file access.
Durations are real-world-equivalent seconds, the unit objectives are judged in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from statistics import median
from typing import Any

SPIKE_FACTOR = 1.5
"""An RTO more than this times the median of the previous passing runs is a regression."""
SPIKE_WINDOW = 5
"""How many previous passing runs the RTO median is taken over."""
SPIKE_MIN_RUNS = 3
"""Fewer previous passing runs than this give no median to compare with."""
SHRINK_RUNS = 3
"""A margin that shrank this many runs in a row is a regression."""
DEFAULT_LAST = 10
"""The trend is taken over this many most recent runs of each drill."""


class RegressionKind(StrEnum):
    """Why a run is flagged."""

    OBJECTIVE_MISSED = "objective-missed"
    RTO_SPIKE = "rto-spike"
    MARGIN_SHRINKING = "margin-shrinking"


@dataclass(frozen=True, slots=True)
class ObjectiveMargin:
    """One objective of one run: its target, what was measured and what was left."""

    name: str
    target_s: float
    measured_s: float | None
    held: bool

    @property
    def margin_s(self) -> float | None:
        """Target minus measured (negative when missed); None when it never happened."""
        return None if self.measured_s is None else round(self.target_s - self.measured_s, 3)


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run, as read from its evidence JSON."""

    run_id: str
    started_at: datetime
    drill: str
    target: str
    outcome: str
    rto_s: float | None
    time_to_detect_s: float | None
    failback_s: float | None
    objectives: tuple[ObjectiveMargin, ...]
    evidence: str
    """Where the run's record is (the Markdown evidence when there is one)."""


@dataclass(frozen=True, slots=True)
class Trend:
    """RTO statistics of a drill's most recent runs."""

    drill: str
    runs: int
    passed: int
    median_rto_s: float | None
    p95_rto_s: float | None
    last_pass: datetime | None
    rto_objective_s: float | None


@dataclass(frozen=True, slots=True)
class Regression:
    """A run that got worse, and one sentence saying how."""

    run_id: str
    drill: str
    kind: RegressionKind
    detail: str


@dataclass(frozen=True, slots=True)
class History:
    """Rows newest first, a trend per drill, and every regression found."""

    rows: tuple[RunRow, ...]
    trends: tuple[Trend, ...]
    regressions: tuple[Regression, ...]


def _real(measure: Any) -> float | None:
    if isinstance(measure, Mapping) and isinstance(measure.get("realS"), int | float):
        return float(measure["realS"])
    return None


def _instant(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def run_row(document: Mapping[str, Any], evidence: str) -> RunRow | None:
    """The row of one evidence document, or None when it is not a run's evidence."""
    started = _instant(document.get("startedAtUtc"))
    drill = document.get("drill")
    verdict = document.get("verdict")
    if started is None or not isinstance(drill, Mapping) or not isinstance(verdict, Mapping):
        return None
    metrics = document.get("metrics") if isinstance(document.get("metrics"), Mapping) else {}
    assert isinstance(metrics, Mapping)
    objectives = tuple(
        ObjectiveMargin(
            name=str(o.get("name")),
            target_s=float(o.get("targetS") or 0.0),
            measured_s=_real(o.get("measured")),
            held=bool(o.get("held")),
        )
        for o in document.get("objectives") or ()
        if isinstance(o, Mapping)
    )
    return RunRow(
        run_id=str(document.get("runId", "")),
        started_at=started,
        drill=str(drill.get("name", "")),
        target=str(document.get("target") or ""),
        outcome=str(verdict.get("outcome", "")),
        rto_s=_real(metrics.get("rto")),
        time_to_detect_s=_real(metrics.get("timeToDetect")),
        failback_s=_real(metrics.get("failback")),
        objectives=objectives,
        evidence=evidence,
    )


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The nearest-rank percentile (the smallest value with ``pct`` % at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _missed(row: RunRow) -> Regression | None:
    missed = [o for o in row.objectives if not o.held]
    if not missed:
        return None
    parts = [
        f"{o.name} never happened (objective {o.target_s:g} s)"
        if o.measured_s is None
        else f"{o.name} {o.measured_s:.1f} s > objective {o.target_s:g} s"
        for o in missed
    ]
    return Regression(row.run_id, row.drill, RegressionKind.OBJECTIVE_MISSED, "; ".join(parts))


def _spike(row: RunRow, earlier: Sequence[RunRow]) -> Regression | None:
    passing = [r.rto_s for r in earlier if r.outcome == "pass" and r.rto_s is not None]
    window = passing[-SPIKE_WINDOW:]
    if row.rto_s is None or len(window) < SPIKE_MIN_RUNS:
        return None
    typical = median(window)
    if row.rto_s <= SPIKE_FACTOR * typical:
        return None
    detail = (
        f"RTO {row.rto_s:.1f} s is {row.rto_s / typical:.1f}x the median {typical:.1f} s "
        f"of the previous {len(window)} passing runs"
    )
    return Regression(row.run_id, row.drill, RegressionKind.RTO_SPIKE, detail)


def _shrinking(row: RunRow, earlier: Sequence[RunRow]) -> list[Regression]:
    found = []
    for objective in row.objectives:
        margins = [
            next((o.margin_s for o in r.objectives if o.name == objective.name), None)
            for r in [*earlier, row]
        ][-(SHRINK_RUNS + 1) :]
        if len(margins) <= SHRINK_RUNS or any(m is None for m in margins):
            continue
        known = [m for m in margins if m is not None]
        if all(b < a for a, b in pairwise(known)):
            trail = " -> ".join(f"{m:.1f}" for m in known)
            detail = f"{objective.name} margin shrank {SHRINK_RUNS} runs in a row: {trail} s"
            found.append(Regression(row.run_id, row.drill, RegressionKind.MARGIN_SHRINKING, detail))
    return found


def regressions_of(runs: Sequence[RunRow]) -> list[Regression]:
    """Every regression of one drill's runs, given oldest first."""
    found: list[Regression] = []
    for index, row in enumerate(runs):
        earlier = runs[:index]
        for regression in (_missed(row), _spike(row, earlier)):
            if regression is not None:
                found.append(regression)
        found.extend(_shrinking(row, earlier))
    return found


def trend_of(
    drill: str,
    runs: Sequence[RunRow],
    last: int = DEFAULT_LAST,
    every: Sequence[RunRow] | None = None,
) -> Trend:
    """Median and p95 RTO over the ``last`` most recent of one drill's runs (oldest first).

    The last pass is looked for in ``every`` run of the drill when given (the rows before a
    ``--since`` too), so that a filter never turns it into "never".
    """
    recent = list(runs)[-last:]
    rtos = [r.rto_s for r in recent if r.rto_s is not None]
    passes = [r.started_at for r in (runs if every is None else every) if r.outcome == "pass"]
    objective = next(
        (o.target_s for r in reversed(recent) for o in r.objectives if o.name == "rto"), None
    )
    return Trend(
        drill=drill,
        runs=len(recent),
        passed=sum(r.outcome == "pass" for r in recent),
        median_rto_s=round(median(rtos), 3) if rtos else None,
        p95_rto_s=percentile(rtos, 95),
        last_pass=max(passes) if passes else None,
        rto_objective_s=objective,
    )


def by_drill(rows: Iterable[RunRow]) -> dict[str, list[RunRow]]:
    """Rows grouped by drill name, each group oldest first, drills in name order."""
    groups: dict[str, list[RunRow]] = {}
    for row in sorted(rows, key=lambda r: (r.started_at, r.run_id)):
        groups.setdefault(row.drill, []).append(row)
    return dict(sorted(groups.items()))


def build_history(
    rows: Iterable[RunRow],
    drill: str | None = None,
    since: datetime | None = None,
    last: int = DEFAULT_LAST,
) -> History:
    """The history of ``rows``, optionally of one drill and from ``since`` on.

    Regressions are judged against every earlier run of the drill, also those before ``since``.
    """
    groups = by_drill(r for r in rows if drill is None or r.drill == drill)
    shown: list[RunRow] = []
    trends: list[Trend] = []
    regressions: list[Regression] = []
    for name, runs in groups.items():
        recent = [r for r in runs if since is None or r.started_at >= since]
        if not recent:
            continue
        kept = {r.run_id for r in recent}
        shown.extend(recent)
        trends.append(trend_of(name, recent, last, every=runs))
        regressions.extend(g for g in regressions_of(runs) if g.run_id in kept)
    shown.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
    order = {r.run_id: i for i, r in enumerate(shown)}
    regressions.sort(key=lambda g: order.get(g.run_id, 0))
    return History(tuple(shown), tuple(trends), tuple(regressions))
