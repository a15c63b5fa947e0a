"""The record of one run that the evidence renderers consume: drill, timeline, metrics, verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

import drillkit
from drillkit.core.data import DataMetrics, data_metrics
from drillkit.core.data_verdict import judge_data
from drillkit.core.design import Prediction
from drillkit.core.faults import describe
from drillkit.core.human import HumanTimeline, human_timeline
from drillkit.core.metrics import Metrics, compute_metrics
from drillkit.core.predicted import Comparison, compare
from drillkit.core.sampling import status_interval
from drillkit.core.timeline import Timeline
from drillkit.core.verdict import Verdict, decide_verdict
from drillkit.spec.model import Drill


@dataclass(frozen=True, slots=True)
class DrillInfo:
    """Which drill ran: its metadata and the exact file (path and content hash)."""

    name: str
    description: str | None
    owner: str | None
    runbook: str | None
    path: str
    sha256: str
    """Hex SHA-256 of the drill file's bytes, so an auditor can tell which version ran."""


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything evidence shows about one run."""

    run_id: str
    drill: DrillInfo
    tool_version: str
    run_by: str
    """Who ran it, ``user@host``."""
    environment: str
    """``sandbox`` or ``azure``."""
    target: str
    survivors: tuple[str, ...]
    fault: str
    """The fault in one line, e.g. ``drain (onBlocked: delete, evictionTimeout: 5s)``."""
    timeline: Timeline
    metrics: Metrics
    verdict: Verdict
    journal_paths: tuple[str, ...] = ()
    prediction: Prediction | None = None
    """What Traffic Manager's documented probing rules predicted (preflight read the design)."""
    comparisons: tuple[Comparison, ...] = ()
    """Each prediction next to what was measured."""
    data: DataMetrics = field(default_factory=lambda: DataMetrics(()))
    """The replication canaries' figures (no canary: empty)."""
    guard_notes: tuple[str, ...] = ()
    """Guard rails' decisions worth a reader's eye (a window override and its reason)."""
    human: HumanTimeline | None = None
    """A manual drill's human timeline (paged, first action, each change, traffic moved)."""

    @property
    def started_at(self) -> float:
        """When the run started (epoch seconds)."""
        return self.timeline.started_at

    @property
    def ended_at(self) -> float:
        """When the run ended (epoch seconds)."""
        return self.timeline.ended_at


def build_report(
    *,
    run_id: str,
    drill: Drill,
    drill_path: str,
    drill_sha256: str,
    run_by: str,
    timeline: Timeline,
    journal_paths: tuple[str, ...] = (),
    tool_version: str = drillkit.__version__,
    prediction: Prediction | None = None,
    guard_notes: tuple[str, ...] = (),
) -> RunReport:
    """Compute metrics and verdict for a run and bundle them with what evidence must show.
    With a ``prediction``, each measure is compared with its window, widened by how often the
    run looked (status reads for detection, DNS polls for the flip, in real-world seconds)."""
    metrics = compute_metrics(timeline)
    data = data_metrics(
        [c.name for c in drill.observe.data],
        timeline.canary_writes,
        timeline.canary_reads,
        fault_at=timeline.fault_injected_at,
        restored_at=timeline.restored_at,
    )
    extra = judge_data(data, drill.objectives, timeline.time_scale, ", ".join(drill.survivors))
    verdict = decide_verdict(timeline, metrics, drill.objectives, prediction, extra)
    comparisons: tuple[Comparison, ...] = ()
    if prediction is not None:
        comparisons = compare(
            prediction,
            timeline,
            metrics,
            detect_slack_s=status_interval(drill.observe, _profiles_read(timeline))
            / timeline.time_scale,
            flip_slack_s=float(drill.observe.poll_interval) / timeline.time_scale,
        )
    meta = drill.metadata
    return RunReport(
        run_id=run_id,
        drill=DrillInfo(
            name=meta.name,
            description=meta.description,
            owner=meta.owner,
            runbook=meta.runbook,
            path=drill_path,
            sha256=drill_sha256,
        ),
        tool_version=tool_version,
        run_by=run_by,
        environment="sandbox" if drill.environment.sandbox is not None else "azure",
        target=drill.target,
        survivors=tuple(drill.survivors),
        fault=describe(drill).headline,
        timeline=timeline,
        metrics=metrics,
        verdict=verdict,
        journal_paths=journal_paths,
        prediction=prediction,
        comparisons=comparisons,
        data=data,
        guard_notes=guard_notes,
        human=human_timeline(drill, timeline, metrics),
    )


def _profiles_read(timeline: Timeline) -> int:
    """The profiles each status read walked (one ARM GET each), from the endpoints it saw."""
    return len({s.endpoint.split("/", 1)[0] for s in timeline.endpoint_statuses}) or 1
