"""From a journal to the core's ``Timeline`` and ``RunReport`` (the journal is the only source)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path

from drillkit.core.data import CanaryReadSample, CanaryWriteSample
from drillkit.core.design import Prediction, Window
from drillkit.core.metrics import compute_metrics
from drillkit.core.plan import Phase
from drillkit.core.report import RunReport, build_report
from drillkit.core.stepgates import Pause, pause_notes
from drillkit.core.timeline import (
    Change,
    Disruption,
    DnsSample,
    EndpointStatusSample,
    HoldEvent,
    HttpSample,
    LaterRestore,
    RestoreCheck,
    RestoreOutcome,
    ServerTimeline,
    Timeline,
    VantageTimeline,
)
from drillkit.engine.canary import samples_of
from drillkit.engine.records import (
    Aborted,
    Baseline,
    CanaryTicked,
    GateWaited,
    GuardNote,
    Held,
    Intent,
    Mark,
    Observation,
    PhaseEntered,
    PredictionMade,
    Record,
    RecoveryFinished,
    RecoveryStarted,
    Refused,
    RestoreChecked,
    Result,
    RunFinished,
    RunStarted,
    StatusObservation,
    VerdictReached,
    first,
    last,
    read_journal,
)
from drillkit.errors import DrillkitError
from drillkit.spec.model import Drill


def _marks(records: list[Record]) -> dict[str, float]:
    """The last wall instant of each named mark."""
    return {r.name: float(r.at or r.wall) for r in records if isinstance(r, Mark)}


def started_of(records: list[Record]) -> RunStarted:
    """The run's first record; a journal without one is not a drillkit journal."""
    started = first(records, RunStarted)
    if started is None:
        raise DrillkitError("the journal has no run.started record; it is not a drillkit journal")
    return started


def drill_of(records: list[Record]) -> Drill:
    return Drill.model_validate(started_of(records).drill)


def split_run(records: list[Record]) -> tuple[list[Record], list[list[Record]]]:
    """The run's own records, and those of each `drillkit restore` after it (in order)."""
    starts = [i for i, r in enumerate(records) if isinstance(r, RecoveryStarted)]
    if not starts:
        return records, []
    bounds = [*starts, len(records)]
    return records[: starts[0]], [records[a:b] for a, b in itertools.pairwise(bounds)]


def later_restore(records: list[Record]) -> LaterRestore:
    """One `drillkit restore`'s records as the core sees them."""
    finished = last(records, RecoveryFinished)
    return LaterRestore(
        started_at=records[0].wall,
        finished_at=finished.wall if finished is not None else None,
        complete=bool(finished and finished.restored),
        checks=last_restore_checks(records),
    )


def _phase_before(records: list[Record], cls: type[Record]) -> str | None:
    phase: str | None = None
    for r in records:
        if isinstance(r, cls):
            return phase
        if isinstance(r, PhaseEntered):
            phase = r.phase.value
    return phase


def last_restore_checks(records: list[Record]) -> tuple[RestoreCheck, ...]:
    """The checks of the most recent restore in ``records``."""
    starts = [
        i for i, r in enumerate(records) if isinstance(r, Mark) and r.name == "restore_started"
    ]
    tail = records[starts[-1] :] if starts else records
    return tuple(
        RestoreCheck(
            what=r.what,
            expected=r.expected,
            actual=r.actual,
            outcome=RestoreOutcome(r.outcome),
            detail=r.detail,
        )
        for r in tail
        if isinstance(r, RestoreChecked)
    )


def disruptions_from(records: list[Record]) -> tuple[Disruption, ...]:
    """Every ``evict`` and ``delete-pod`` intent with its result."""
    results = {r.id: r for r in records if isinstance(r, Result)}
    out = []
    for r in records:
        if isinstance(r, Intent) and r.action in ("evict", "delete-pod") and r.pod:
            result = results.get(r.id)
            outcome = (
                "(no result: interrupted)"
                if result is None
                else result.detail or ("done" if result.ok else "failed")
            )
            pdb = (result.pdb if result is not None else None) or ""
            blocked_s = result.blocked_s if result is not None else None
            out.append(
                Disruption(r.wall, r.action, r.pod, r.node or "", outcome, r.reason, pdb, blocked_s)
            )
    return tuple(out)


def holds_from(records: list[Record]) -> tuple[HoldEvent, ...]:
    return tuple(
        HoldEvent(
            r.wall,
            r.event,
            r.what,
            None
            if r.value is None
            else str(r.value).lower()
            if isinstance(r.value, bool)
            else str(r.value),
            r.by,
        )
        for r in records
        if isinstance(r, Held)
    )


def changes_of(records: list[Record]) -> tuple[Change, ...]:
    """Every journalled mutation with its result, in the order they were intended."""
    results = {r.id: r for r in records if isinstance(r, Result)}
    changes = []
    for r in records:
        if not isinstance(r, Intent):
            continue
        result = results.get(r.id)
        changes.append(
            Change(
                at=r.wall,
                action=r.action,
                target=r.item or r.pod or r.id,
                region=r.region,
                value=None if r.value is None else json.dumps(r.value),
                node=r.node,
                reason=r.reason,
                ok=None if result is None else result.ok,
                detail=result.detail if result is not None else "",
                item=r.item,
            )
        )
    return tuple(changes)


def timeline_from(everything: list[Record]) -> Timeline:
    """The whole run as the core sees it; restores after the run are ``later_restores``."""
    records, later = split_run(everything)
    drill = drill_of(records)
    started = started_of(records)
    marks = _marks(records)
    baseline = last(records, Baseline)
    normal: Mapping[str, str | None] = baseline.normal if baseline else {}
    dns: dict[str, list[DnsSample]] = {v.name: [] for v in drill.observe.vantage_points}
    http: dict[str, list[HttpSample]] = {v.name: [] for v in drill.observe.vantage_points}
    statuses: list[EndpointStatusSample] = []
    per_server: dict[str, dict[str, list[DnsSample]]] = {name: {} for name in dns}
    ttl: float | None = None
    canary_writes: list[CanaryWriteSample] = []
    canary_reads: list[CanaryReadSample] = []
    injected, outage_end = marks.get("fault_injected"), marks.get("restore_started")
    target_down: float | None = None
    for r in records:
        if isinstance(r, CanaryTicked):
            writes, reads = samples_of(r)
            canary_writes += writes
            canary_reads += reads
        elif isinstance(r, Observation):
            check = r.regions.get(drill.target)
            if (
                check is not None
                and injected is not None
                and injected <= check.at < (outage_end or float("inf"))
            ):
                target_down = None if check.ok else (target_down or float(check.at))
            for s in r.vantage:
                if s.name not in dns:
                    continue
                dns[s.name].append(DnsSample(float(s.at), s.region, s.answer))
                for a in s.servers:
                    samples = per_server[s.name].setdefault(a.server, [])
                    samples.append(DnsSample(float(a.at), a.region, a.rcode, sent=a.sent))
                if ttl is None and s.ttl is not None:
                    ttl = float(s.ttl)
                h = s.http or r.regions.get(s.region or "")
                if h is not None:
                    http[s.name].append(HttpSample(float(h.at), h.ok, h.status, s.region))
        elif isinstance(r, StatusObservation):
            statuses.extend(
                EndpointStatusSample(
                    float(r.at),
                    e.endpoint,
                    e.region,
                    e.status,
                    e.endpoint_status,
                    sent=r.sent,
                    received=r.received,
                )
                for e in r.endpoints
            )
    abort = last(records, Aborted)
    finished = last(records, RunFinished)
    ended = marks.get("ended", finished.wall if finished else records[-1].wall)
    refused = last(records, Refused)
    ended_normally = (
        finished is not None or last(records, VerdictReached) is not None or "ended" in marks
    )
    signal = None
    if abort is not None and abort.interrupted:
        signal = abort.reason.removeprefix("interrupted by ").split()[0] or None
    return Timeline(
        time_scale=started.time_scale,
        started_at=marks.get("lock_acquired", started.wall),
        ended_at=ended,
        target_region=drill.target,
        survivor_regions=tuple(drill.survivors),
        fault_injected_at=marks.get("fault_injected"),
        restore_started_at=marks.get("restore_started"),
        restored_at=marks.get("restored"),
        vantage_points=tuple(
            VantageTimeline(
                name=v.name,
                client_subnet=v.client_subnet,
                normal_region=normal.get(v.name),
                expected_region=v.expect_during_outage,
                dns=tuple(sorted(dns[v.name], key=lambda s: s.at)),
                http=tuple(sorted(http[v.name], key=lambda s: s.at)),
                servers=tuple(
                    ServerTimeline(server, tuple(sorted(samples, key=lambda s: s.at)))
                    for server, samples in sorted(per_server[v.name].items())
                ),
            )
            for v in drill.observe.vantage_points
        ),
        endpoint_statuses=tuple(sorted(statuses, key=lambda s: s.at)),
        dns_ttl=ttl,
        http_checked=drill.observe.http is not None,
        abort_reason=abort.reason if abort else None,
        interrupted=bool(abort and abort.interrupted),
        restore_checks=last_restore_checks(records),
        refused_reason=refused.reason if refused else None,
        abort_phase=_phase_before(records, Aborted) if abort else None,
        signal=signal,
        failback_observed=any(
            isinstance(r, PhaseEntered) and r.phase is Phase.FAILBACK for r in records
        ),
        died_during=None if ended_normally else (_last_phase(records) or "startup"),
        later_restores=tuple(later_restore(r) for r in later),
        canary_writes=tuple(canary_writes),
        canary_reads=tuple(canary_reads),
        disruptions=disruptions_from(records),
        holds=holds_from(records),
        target_down_at=target_down,
        changes=changes_of(records),
        paged_at=marks.get("paged"),
    )


def prediction_record(prediction: Prediction) -> PredictionMade:
    """The journal record of a preflight's prediction."""
    return PredictionMade(
        detection_s=(prediction.detection.earliest_s, prediction.detection.latest_s),
        dns_flip_s=(prediction.dns_flip.earliest_s, prediction.dns_flip.latest_s),
        client_s=(prediction.client.earliest_s, prediction.client.latest_s),
        ttl_s=prediction.ttl_s,
        basis=prediction.basis,
    )


def prediction_of(records: list[Record]) -> Prediction | None:
    """The prediction a run's preflight journalled, if any."""
    made = last(records, PredictionMade)
    if made is None:
        return None
    return Prediction(
        Window(*made.detection_s),
        Window(*made.dns_flip_s),
        Window(*made.client_s),
        made.ttl_s,
        made.basis,
    )


def _last_phase(records: list[Record]) -> str | None:
    phase = last(records, PhaseEntered)
    return phase.phase.value if phase is not None else None


def report_from(records: list[Record], journal_path: Path | None = None) -> RunReport:
    """The run report (metrics and verdict through the core) of a journal's records."""
    started = started_of(records)
    return build_report(
        run_id=started.run_id,
        drill=drill_of(records),
        drill_path=started.drill_path,
        drill_sha256=started.drill_sha256,
        run_by=started.run_by,
        timeline=timeline_from(records),
        journal_paths=(str(journal_path),) if journal_path else (),
        prediction=prediction_of(records),
        guard_notes=tuple(f"{r.guard}: {r.detail}" for r in records if isinstance(r, GuardNote))
        + tuple(gate_notes(records)),
    )


def gate_notes(records: list[Record]) -> list[str]:
    """``run --step``: each gate's wait, and the RTO with the human pauses taken out."""
    pauses = [
        Pause(r.step, r.at, r.waited_s, r.answer) for r in records if isinstance(r, GateWaited)
    ]
    if not pauses:
        return []
    timeline = timeline_from(records)
    metrics = compute_metrics(timeline)
    return pause_notes(
        pauses, timeline.fault_injected_at, metrics.rto_at, timeline.started_at, timeline.ended_at
    )


def report_from_journal(path: Path) -> RunReport:
    return report_from(read_journal(path), path)
