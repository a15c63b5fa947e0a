"""The evidence document: a run report as plain JSON data with stable camelCase keys, redacted.

The JSON evidence is this document; the Markdown template renders it (custom templates get the
same keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drillkit.core.intervals import Bracket
from drillkit.core.metrics import Measure, VantageMetrics, metrics_summary
from drillkit.core.redact import redact
from drillkit.core.report import RunReport
from drillkit.core.rto_parts import PARTS, parts_summary, rto_parts
from drillkit.core.timeline import DnsSample, Timeline, VantageTimeline
from drillkit.evidence.data import data_document

SCHEMA_VERSION = 1


def utc(epoch: float | None) -> str | None:
    """An epoch instant as ISO 8601 UTC with milliseconds, e.g. ``2023-11-14T22:13:20.000Z``."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _measure(m: Measure | None) -> dict[str, float] | None:
    if m is None:
        return None
    return {
        "measuredS": round(m.measured, 3),
        "realS": round(m.real, 3),
        "pmS": round(m.pm, 3),
        "realPmS": round(m.real_pm, 3),
    }


def _bracket(b: Bracket | None) -> dict[str, float] | None:
    """A sampled instant: the last old and first new sample, and its midpoint plus or minus."""
    if b is None:
        return None
    return {"lo": b.lo, "hi": b.hi, "mid": round(b.mid, 6), "pmS": round(b.half, 3)}


def _rto_parts(report: RunReport) -> dict[str, Any]:
    """The RTO in its parts per vantage point that moved, and p50/p95 across them."""
    parts = rto_parts(report.timeline, report.metrics)
    return {
        "order": list(PARTS),
        "vantagePoints": [
            {"name": p.name, **{k: _measure(v) for k, v in p.parts.items()}} for p in parts
        ],
        "acrossVantagePoints": parts_summary(parts),
    }


def _answer_at(samples: tuple[DnsSample, ...], at: float | None) -> str | None:
    if at is None:
        return None
    return next((s.answer for s in samples if s.at == at), None)


def _hi_at(observed: VantageTimeline, mid: float | None) -> float | None:
    """The first sample at or after ``mid`` (the first sample of the change's bracket)."""
    if mid is None:
        return None
    return next((s.at for s in sorted(observed.dns, key=lambda s: s.at) if s.at >= mid), None)


def _vantage(observed: VantageTimeline, metrics: VantageMetrics) -> dict[str, Any]:
    return {
        "name": observed.name,
        "clientSubnet": observed.client_subnet,
        "normalRegion": observed.normal_region,
        "expectedRegion": observed.expected_region,
        "flippedAt": metrics.flipped_at,
        "flip": _bracket(metrics.flip),
        "flipAnswer": _answer_at(observed.dns, metrics.flip.hi if metrics.flip else None),
        "servers": [{"server": s.server, "flip": _bracket(s.flip)} for s in metrics.servers],
        "dnsFailover": _measure(metrics.dns_failover),
        "dnsFailoverPlusTtl": _measure(metrics.dns_failover_plus_ttl),
        "failedBackAt": metrics.failed_back_at,
        "failbackAnswer": _answer_at(observed.dns, _hi_at(observed, metrics.failed_back_at)),
        "failback": _measure(metrics.failback),
        "dnsSamples": len(observed.dns),
        "httpSamples": len(observed.http),
    }


def _phases(report: RunReport) -> dict[str, float | None]:
    tl: Timeline = report.timeline
    return {
        "startedAt": tl.started_at,
        "faultInjectedAt": tl.fault_injected_at,
        "detectedAt": report.metrics.detected_at,
        "rtoAt": report.metrics.rto_at,
        "restoreStartedAt": tl.restore_started_at,
        "restoredAt": tl.restored_at,
        "endedAt": tl.ended_at,
    }


def _changes(tl: Timeline) -> list[dict[str, Any]]:
    """Every change with, for a snapshot item, what restore made of it."""
    restored = {c.what: c for c in tl.restore_checks}
    out = []
    for c in tl.changes:
        check = restored.get(c.item) if c.item else None
        out.append(
            {
                "at": c.at,
                "action": c.action,
                "target": c.target,
                "region": c.region,
                "value": c.value,
                "node": c.node,
                "reason": c.reason,
                "ok": c.ok,
                "detail": c.detail,
                "restore": None
                if check is None
                else {
                    "outcome": str(check.outcome),
                    "actual": check.actual,
                    "detail": check.detail,
                },
            }
        )
    return out


def _human(report: RunReport) -> dict[str, Any] | None:
    """A manual drill's human timeline (None for the other faults)."""
    human = report.human
    if human is None:
        return None
    return {
        "instructions": human.instructions,
        "since": human.since,
        "sinceAt": human.since_at,
        "actedAt": human.acted_at,
        "timeToActS": human.time_to_act_s,
        "steps": [{"at": s.at, "event": s.event, "detail": s.detail} for s in human.steps],
    }


def evidence_document(report: RunReport) -> dict[str, Any]:
    """The whole run as JSON-ready data; instants are epoch seconds, durations carry ``S``."""
    tl, metrics, verdict = report.timeline, report.metrics, report.verdict
    document: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "runId": report.run_id,
        "drill": {
            "name": report.drill.name,
            "description": report.drill.description,
            "owner": report.drill.owner,
            "runbook": report.drill.runbook,
            "path": report.drill.path,
            "sha256": report.drill.sha256,
        },
        "toolVersion": report.tool_version,
        "runBy": report.run_by,
        "environment": report.environment,
        "startedAtUtc": utc(report.started_at),
        "endedAtUtc": utc(report.ended_at),
        "target": report.target,
        "survivors": list(report.survivors),
        "fault": report.fault,
        "timeScale": tl.time_scale,
        "dnsTtlS": tl.dns_ttl,
        "verdict": {
            "outcome": str(verdict.outcome),
            "reason": verdict.reason,
            "restored": verdict.restored,
            "exitCode": int(verdict.exit_code),
            "warnings": list(verdict.warnings),
        },
        "objectives": [
            {
                "name": o.name,
                "targetS": o.target,
                "measured": _measure(o.measured),
                "held": o.held,
                "status": o.status,
                "unit": o.unit,
                "uncertainty": _measure(o.uncertainty),
            }
            for o in verdict.objectives
        ],
        "phases": _phases(report),
        "metrics": {
            "timeToDetect": _measure(metrics.time_to_detect),
            "rto": _measure(metrics.rto),
            "restore": _measure(metrics.restore),
            "failback": _measure(metrics.failback),
        },
        "vantagePoints": [
            _vantage(o, m) for o, m in zip(tl.vantage_points, metrics.vantage_points, strict=True)
        ],
        "statusTransitions": [
            {
                "at": t.at,
                "endpoint": t.endpoint,
                "region": t.region,
                "from": t.before,
                "to": t.after,
            }
            for t in metrics.transitions
        ],
        "restoreChecks": [
            {
                "what": c.what,
                "expected": c.expected,
                "actual": c.actual,
                "outcome": str(c.outcome),
                "detail": c.detail,
            }
            for c in tl.restore_checks
        ],
        "data": data_document(report.data, tl.time_scale, tl.fault_injected_at),
        "disruptions": [
            {
                "at": d.at,
                "action": d.action,
                "pod": d.pod,
                "node": d.node,
                "outcome": d.outcome,
                "reason": d.reason,
                "pdb": d.pdb or None,
                "blockedS": d.blocked_s,
            }
            for d in tl.disruptions
        ],
        "lostPods": [
            d.pod for d in tl.disruptions if d.reason and "lost: no controller" in d.reason
        ],
        "held": [
            {"at": h.at, "event": h.event, "what": h.what, "value": h.value, "by": h.by}
            for h in tl.holds
        ],
        "reverts": tl.reverts,
        "rtoContested": tl.contested,
        "changes": _changes(tl),
        "abortReason": tl.abort_reason,
        "abortPhase": tl.abort_phase,
        "signal": tl.signal,
        "diedDuring": tl.died_during,
        "laterRestores": [
            {
                "startedAt": later.started_at,
                "startedAtUtc": utc(later.started_at),
                "finishedAt": later.finished_at,
                "finishedAtUtc": utc(later.finished_at),
                "complete": later.complete,
                "exitCode": later.exit_code,
                "checks": [
                    {
                        "what": c.what,
                        "expected": c.expected,
                        "actual": c.actual,
                        "outcome": str(c.outcome),
                        "detail": c.detail,
                    }
                    for c in later.checks
                ],
            }
            for later in tl.later_restores
        ],
        "journalPaths": list(report.journal_paths),
        "prediction": report.prediction.to_dict() if report.prediction else None,
        "predictedVsMeasured": [c.to_dict() for c in report.comparisons],
        "detection": _bracket(metrics.detection),
        "rtoBracket": _bracket(metrics.rto_bracket),
        "rtoParts": _rto_parts(report),
        "guardNotes": list(report.guard_notes),
        "human": _human(report),
    }
    redacted: dict[str, Any] = redact(document)
    return redacted


def run_summary(
    report: RunReport, *, evidence: Mapping[str, Path], journal: Path
) -> dict[str, Any]:
    """What ``drillkit run --output json`` prints: the evidence document's headline, flat
    (verdict, metrics in measured seconds, evidence and journal paths), redacted the same way."""
    document = evidence_document(report)
    summary = {
        "runId": document["runId"],
        "drill": document["drill"]["name"],
        "verdict": document["verdict"]["outcome"],
        "restored": document["verdict"]["restored"],
        "timeScale": document["timeScale"],
        "faultInjectedAt": document["phases"]["faultInjectedAt"],
        "metrics": metrics_summary(report.metrics),
        "evidence": {key: str(path) for key, path in evidence.items()},
        "journal": str(journal),
        "reason": document["verdict"]["reason"],
    }
    if document["human"] is not None:  # a manual drill: the person's time to act
        summary["timeToActS"] = document["human"]["timeToActS"]
    if report.data.canaries:  # the canaries' figures, without the per-write series
        data = document["data"]
        summary["data"] = {
            **{k: v for k, v in data.items() if k != "canaries"},
            "canaries": [
                {k: v for k, v in c.items() if k != "lagSeries"} for c in data["canaries"]
            ],
        }
    redacted: dict[str, Any] = redact(summary)
    return redacted
