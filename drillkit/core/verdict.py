"""The verdict of a drill: each objective held or missed, and whether the world is restored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from drillkit.core.design import Prediction
from drillkit.core.metrics import Measure, Metrics
from drillkit.core.predicted import objective_warnings
from drillkit.core.timeline import RestoreOutcome, Timeline
from drillkit.exitcodes import ExitCode
from drillkit.spec.model import Objectives


class Outcome(StrEnum):
    """The four verdicts, most urgent last."""

    PASS = "pass"
    FAIL = "fail"
    ABORTED = "aborted"
    REFUSED = "refused"
    RESTORE_INCOMPLETE = "restore-incomplete"

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code of a run that ended with this verdict."""
        return _EXIT[self]


_EXIT = {
    Outcome.PASS: ExitCode.PASS,
    Outcome.FAIL: ExitCode.OBJECTIVE_MISSED,
    Outcome.ABORTED: ExitCode.ABORTED,
    Outcome.REFUSED: ExitCode.PREFLIGHT_REFUSED,
    Outcome.RESTORE_INCOMPLETE: ExitCode.RESTORE_INCOMPLETE,
}


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    """One objective of the drill file against what was measured."""

    name: str
    """``timeToDetect``, ``rto`` or ``failback``, as in the drill file."""
    target: float
    """The objective, in real-world-equivalent seconds."""
    measured: Measure | None
    """What was measured; None when the thing never happened (which misses the objective)."""
    held: bool
    judged: bool = True
    """False for a run that was refused, aborted or died: the objective was not measured, so
    it is neither held nor missed."""

    @property
    def status(self) -> str:
        """``held``, ``MISSED`` or ``not measured``."""
        if not self.judged:
            return "not measured"
        return "held" if self.held else "MISSED"

    uncertainty: Measure | None = None
    """Half the width of the interval ``measured`` is the midpoint of, for sampled figures."""
    unit: str = "s"
    """``s`` for durations; a count (``writes``) is stored as a Measure with measured == real."""
    detail: str | None = None
    """The sentence the verdict gives when the objective is missed, when it needs more than
    ``took Xs``: e.g. the lost write ids."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome, each objective, and one plain sentence saying why."""

    outcome: Outcome
    objectives: tuple[ObjectiveResult, ...]
    restored: bool
    """Restore finished and every snapshot item is back as it was."""
    reason: str
    interrupted: bool = False
    """The abort came from SIGINT or SIGTERM (exit code 130 rather than 4)."""
    warnings: tuple[str, ...] = ()
    """Objectives below the predicted minimum, and measures outside their predicted window."""

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code for this verdict."""
        if self.outcome is Outcome.ABORTED and self.interrupted:
            return ExitCode.INTERRUPTED
        return self.outcome.exit_code


def restore_complete(timeline: Timeline) -> bool:
    """Restore finished and every snapshot item is restored (drifted or failed items are not).

    A run that stopped before injecting anything needs no restore.
    """
    if any(c.outcome is not RestoreOutcome.RESTORED for c in timeline.restore_checks):
        return False
    return timeline.restored_at is not None or timeline.fault_injected_at is None


def judge_objectives(metrics: Metrics, objectives: Objectives) -> tuple[ObjectiveResult, ...]:
    """Each objective the drill sets, in file order, against its measure (real-world seconds)."""
    pairs = (
        ("timeToDetect", objectives.time_to_detect, metrics.time_to_detect),
        ("rto", objectives.rto, metrics.rto),
        ("failback", objectives.failback, metrics.failback),
    )
    return tuple(
        ObjectiveResult(
            name=name,
            target=float(target),
            measured=measured,
            held=measured is not None and measured.real <= float(target),
        )
        for name, target, measured in pairs
        if target is not None
    )


def _describe(result: ObjectiveResult) -> str:
    if result.detail is not None:
        return result.detail
    if result.measured is None:
        return f"{result.name} never happened (objective {result.target:g}s)"
    return f"{result.name} took {result.measured.real:.1f}s (objective {result.target:g}s)"


def explain_missed_failover(timeline: Timeline, metrics: Metrics) -> str | None:
    """Why DNS never moved for some vantage points, in one sentence; None if every one moved."""
    stuck = [
        (observed, measured)
        for observed, measured in zip(timeline.vantage_points, metrics.vantage_points, strict=True)
        if measured.flipped_at is None
    ]
    if not stuck or timeline.fault_injected_at is None:
        return None
    start, end, target = timeline.fault_injected_at, timeline.outage_end, timeline.target_region
    last = {
        o.name: next((d.region for d in reversed(o.dns) if start <= d.at < end), "no sample")
        for o, _ in stuck
    }
    names = ", ".join(last)
    if metrics.detected_at is None:
        return (
            f"DNS never moved for {names}, and Traffic Manager never marked {target} Degraded "
            "during the outage: check the probe settings against the outage length."
        )
    if all(region == target for region in last.values()):
        return (
            f"{names} still answered by {target} after Traffic Manager marked it Degraded: "
            "Geographic routing returns a region's endpoint even when Degraded; failover needs "
            "each geography to point at a nested Priority profile with a second region."
        )
    seen = ", ".join(f"{name} last answered {region or 'nothing'}" for name, region in last.items())
    return f"DNS never settled on the expected survivor: {seen}."


def _utc(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unjudged(results: tuple[ObjectiveResult, ...]) -> tuple[ObjectiveResult, ...]:
    return tuple(
        ObjectiveResult(r.name, r.target, r.measured, held=False, judged=False) for r in results
    )


def _died(timeline: Timeline, results: tuple[ObjectiveResult, ...]) -> Verdict:
    """The runner died mid-run (SIGKILL, power loss): what the restores after it say."""
    phase = timeline.died_during
    later = timeline.later_restores[-1] if timeline.later_restores else None
    died = f"The runner died during {phase}"
    if later is not None and later.complete and later.finished_at is not None:
        return Verdict(
            Outcome.ABORTED,
            _unjudged(results),
            restored=True,
            reason=f"{died}; restored by `drillkit restore` at {_utc(later.finished_at)} "
            f"(exit {later.exit_code}).",
        )
    if later is not None and later.finished_at is not None:
        bad = [c for c in later.checks if c.outcome is not RestoreOutcome.RESTORED]
        items = "; ".join(f"{c.what} is {c.actual}, was {c.expected}" for c in bad)
        reason = (
            f"{died}; `drillkit restore` at {_utc(later.finished_at)} (exit 5) left: {items}. "
            "Put these back by hand."
        )
    else:
        reason = f"{died}; no restore has finished since. Run `drillkit restore` on this run."
    return Verdict(Outcome.RESTORE_INCOMPLETE, _unjudged(results), restored=False, reason=reason)


def decide_verdict(
    timeline: Timeline,
    metrics: Metrics,
    objectives: Objectives,
    prediction: Prediction | None = None,
    extra: tuple[ObjectiveResult, ...] = (),
) -> Verdict:
    """refused (nothing changed) first; then restore-incomplete beats aborted, which beats
    fail; pass needs every objective held. Objectives of a refused, aborted or dead run are
    not measured (never missed). With a ``prediction``, the verdict warns of objectives below
    its minimum.

    ``extra``: objectives judged elsewhere (replication canaries: ``core/data_verdict.py``).
    """
    results = judge_objectives(metrics, objectives) + extra
    if timeline.refused_reason is not None and timeline.fault_injected_at is None:
        return Verdict(
            Outcome.REFUSED,
            _unjudged(results),
            restored=True,
            reason=f"Refused before any change: {timeline.refused_reason}",
        )
    if timeline.died_during is not None:
        return _died(timeline, results)
    restored = restore_complete(timeline)
    if timeline.abort_reason is not None:
        results = _unjudged(results)
    missed = [r for r in results if not r.held and r.judged]
    if not restored:
        bad = [c for c in timeline.restore_checks if c.outcome is not RestoreOutcome.RESTORED]
        if bad:
            items = "; ".join(
                f"{c.what} is {c.actual}, was {c.expected} ({c.outcome})" for c in bad
            )
            reason = f"Restore is incomplete: {items}. Put these back by hand."
        else:
            reason = "Restore never finished. Run `drillkit restore` on this run."
        outcome = Outcome.RESTORE_INCOMPLETE
    elif timeline.abort_reason is not None:
        outcome = Outcome.ABORTED
        during = f" during {timeline.abort_phase}" if timeline.abort_phase else ""
        if timeline.signal is not None:
            reason = f"Interrupted by {timeline.signal}{during}; the world was restored."
        else:
            reason = f"Aborted{during} ({timeline.abort_reason}); the world was restored."
    elif missed:
        outcome = Outcome.FAIL
        reason = "Objective missed: " + "; ".join(_describe(r) for r in missed) + "."
        hint = explain_missed_failover(timeline, metrics)
        if hint is not None:
            reason = f"{reason} {hint}"
    else:
        outcome = Outcome.PASS
        reason = (
            "Every objective held and the world was restored."
            if results
            else "The drill set no objectives; the world was restored."
        )
    warnings = objective_warnings(prediction, objectives) if prediction is not None else ()
    return Verdict(
        outcome=outcome,
        objectives=results,
        restored=restored,
        reason=reason,
        interrupted=timeline.interrupted,
        warnings=warnings,
    )
