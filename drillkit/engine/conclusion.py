"""A run's end, once the world is restored: the verdict and evidence read from the journal
(``RunResult``), and the end notice and metrics, sent after unlock so that they never delay or
fail the restore."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from drillkit.core.plan import Phase
from drillkit.core.report import RunReport
from drillkit.core.timeline import RestoreCheck
from drillkit.engine.guards import GuardRails, end_notice
from drillkit.engine.journal import Journal
from drillkit.engine.records import EvidenceWritten, VerdictReached
from drillkit.engine.reporting import report_from
from drillkit.engine.restore import note
from drillkit.engine.verdicts import journal_failure_verdict
from drillkit.evidence import write_evidence
from drillkit.spec.model import Drill

log = structlog.get_logger()


@dataclass
class RunResult:
    """A finished run: its journal, the core's report, and the restore checks."""

    run_id: str
    journal_path: Path
    report: RunReport
    restore_checks: list[RestoreCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: dict[str, Path] = field(default_factory=dict)


def conclude(
    journal: Journal,
    run_id: str,
    *,
    phase: Callable[[Phase], None],
    evidence_dir: Path | None,
    template: Path | None,
    notes: list[str],
) -> RunResult:
    """Verdict, then evidence (when ``evidence_dir`` is set), from the journal. Evidence that
    cannot be written is a note, not an error: the verdict stands."""
    phase(Phase.VERDICT)
    plain = report_from(journal.records(), journal.path)
    report = journal_failure_verdict(plain, journal)
    note(
        journal,
        VerdictReached(
            outcome=report.verdict.outcome.value,
            reason=report.verdict.reason,
            restored=report.verdict.restored,
        ),
    )
    evidence: dict[str, Path] = {}
    if evidence_dir is not None:
        phase(Phase.EVIDENCE)
        try:
            evidence = write_evidence(report, evidence_dir, template)
        except OSError as e:
            notes.append(f"evidence could not be written to {evidence_dir}: {e}")
            log.error("drill.evidence_failed", error=str(e))
        else:
            note(journal, EvidenceWritten(paths={k: str(v) for k, v in evidence.items()}))
    return RunResult(
        run_id, journal.path, report, list(report.timeline.restore_checks), notes, evidence
    )


def announce(
    guards: GuardRails,
    drill: Drill,
    result: RunResult,
    at: float,
    evidence_url: str | None,
) -> None:
    """The end notice (linking the evidence) and the metrics export."""
    verdict = result.report.verdict
    link = evidence_url or str(result.evidence.get("markdown", result.journal_path))
    guards.notice(
        end_notice(
            drill, result.run_id, at,
            outcome=verdict.outcome.value, summary=verdict.reason, evidence=link,
        )
    )  # fmt: skip
    guards.export(result.report)
