"""The offline plan of a drill: the ordered steps a run would take and what each should show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from drillkit.core.faults import describe
from drillkit.core.sampling import budget_lines
from drillkit.spec.data import Canary
from drillkit.spec.model import Drill

LEASE_NAME = "drillkit-drill"
LEASE_NAMESPACE = "default"  # every cluster has it, and SREs' roles usually reach it


class Phase(StrEnum):
    """The lifecycle's phases, in the order a run goes through them (plan, runner, live view)."""

    PREFLIGHT = "preflight"
    LOCK = "lock"
    BASELINE = "baseline"
    SNAPSHOT = "snapshot"
    INJECT = "inject"
    OBSERVE = "observe"
    RESTORE = "restore"
    FAILBACK = "failback"
    VERDICT = "verdict"
    EVIDENCE = "evidence"
    UNLOCK = "unlock"


@dataclass(frozen=True, slots=True)
class Step:
    """One lifecycle step: its name, what it does, and whether it changes the world."""

    phase: Phase
    summary: str
    details: tuple[str, ...] = ()
    mutates: bool = False


@dataclass(frozen=True, slots=True)
class VantageExpectation:
    """Where a vantage point must be answered while the target is down."""

    name: str
    client_subnet: str
    expect_during_outage: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything ``drillkit plan`` shows; built without any I/O."""

    drill: str
    description: str | None
    environment: str
    profile: str
    target: str
    survivors: tuple[str, ...]
    regions: dict[str, dict[str, str | None]]
    fault: dict[str, Any]
    vantage_points: tuple[VantageExpectation, ...]
    objectives: dict[str, float | None]
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary with camelCase keys."""
        raw = asdict(self)
        return {
            "drill": raw["drill"],
            "description": raw["description"],
            "environment": raw["environment"],
            "trafficManagerProfile": raw["profile"],
            "target": raw["target"],
            "survivors": list(raw["survivors"]),
            "regions": raw["regions"],
            "fault": raw["fault"],
            "vantagePoints": [
                {
                    "name": v.name,
                    "clientSubnet": v.client_subnet,
                    "expectDuringOutage": v.expect_during_outage,
                }
                for v in self.vantage_points
            ],
            "objectivesS": raw["objectives"],
            "steps": [
                {
                    "phase": s.phase.value,
                    "summary": s.summary,
                    "details": list(s.details),
                    "mutates": s.mutates,
                }
                for s in self.steps
            ],
            "notes": list(raw["notes"]),
        }


def build_plan(drill: Drill, profiles: int | None = None, watched: int | None = None) -> Plan:
    """The ordered lifecycle steps of ``drill``, from its definition alone."""
    environment = "sandbox" if drill.environment.sandbox is not None else "azure"
    target = drill.target
    survivors = tuple(drill.survivors)
    ordered = sorted(drill.regions)
    fault = drill.fault
    text = describe(drill)
    steps = (
        Step(
            Phase.PREFLIGHT,
            "Check access and health; refuse without changing anything.",
            _preflight_details(drill),
        ),
        Step(
            Phase.LOCK,
            f"Take Lease {LEASE_NAMESPACE}/{LEASE_NAME} in every cluster, in order: "
            f"{', '.join(ordered)}.",
            ("Another drill holding a lease refuses this one.",),
            mutates=True,
        ),
        Step(
            Phase.BASELINE,
            "Record each vantage point's normal DNS answer and HTTP check.",
            tuple(f"{v.name} ({v.client_subnet})" for v in drill.observe.vantage_points),
        ),
        Step(
            Phase.SNAPSHOT,
            "Journal everything the fault will change, before the first change.",
            text.snapshot,
        ),
        Step(Phase.INJECT, text.inject_summary, text.inject, mutates=True),
        Step(
            Phase.OBSERVE,
            "Watch Traffic Manager mark the target Degraded and DNS move.",
            _observe_details(drill, profiles, watched),
        ),
        Step(
            Phase.RESTORE,
            f"Put {target} back exactly as the snapshot recorded it.",
            _restore_details(drill),
            mutates=True,
        ),
        Step(
            Phase.FAILBACK,
            "Watch every vantage point return to its normal region.",
            (
                f"objective: failback within {drill.objectives.failback}"
                if drill.objectives.failback is not None
                else "no failback objective",
            ),
        ),
        Step(Phase.VERDICT, "Compare measured times with the objectives.", _objective_lines(drill)),
        Step(Phase.EVIDENCE, "Write Markdown, JSON and JUnit evidence of the run."),
        Step(Phase.UNLOCK, "Release the leases.", mutates=True),
    )
    return Plan(
        drill=drill.metadata.name,
        description=drill.metadata.description,
        environment=environment,
        profile=drill.traffic_manager.profile,
        target=target,
        survivors=survivors,
        regions={
            name: {
                "kubeContext": r.kube_context,
                "clusterServer": r.cluster_server,
                "ingress": r.ingress,
            }
            for name, r in drill.regions.items()
        },
        fault=fault.model_dump(mode="json", by_alias=True),
        vantage_points=tuple(
            VantageExpectation(v.name, v.client_subnet, v.expect_during_outage)
            for v in drill.observe.vantage_points
        ),
        objectives={
            "rto": _seconds(drill.objectives.rto),
            "failback": _seconds(drill.objectives.failback),
            "timeToDetect": _seconds(drill.objectives.time_to_detect),
        },
        steps=steps,
        notes=text.notes,
    )


def _seconds(value: float | None) -> float | None:
    return None if value is None else float(value)


def _preflight_details(drill: Drill) -> tuple[str, ...]:
    lines = []
    for name, region in drill.regions.items():
        pin = f", pinned to {region.cluster_server}" if region.cluster_server else ""
        lines.append(f"{name}: context {region.kube_context}{pin}")
    lines.append(f"RBAC (SelfSubjectAccessReview) for every change in {drill.target}")
    lines.append(f"survivors healthy now: {', '.join(drill.survivors)}")
    lines.append("no other drill holds the lock")
    return tuple(lines)


def _observe_details(drill: Drill, profiles: int | None, watched: int | None) -> tuple[str, ...]:
    observe = drill.observe
    lines = [
        f"DNS and HTTP every {observe.poll_interval}",
        *budget_lines(observe, len(observe.nameservers), profiles, watched),
    ]
    lines.extend(
        f"{v.name} ({v.client_subnet}) must be answered by {v.expect_during_outage}"
        for v in observe.vantage_points
    )
    lines.extend(
        f"canary {c.name}: {_canary_write(c)} through {drill.target} every {c.every} from the "
        f"baseline, read on {', '.join(drill.survivors)}; during the outage the survivor takes "
        "the writes, read back after restore"
        for c in observe.data
    )
    lines.append(
        f"abort after {drill.abort.max_duration}"
        + ("; abort if a survivor turns unhealthy" if drill.abort.on_survivor_unhealthy else "")
    )
    return tuple(lines)


def _canary_write(canary: Canary) -> str:
    if canary.cosmos is not None:
        cosmos = canary.cosmos
        where = f"{cosmos.write_location} -> {cosmos.read_location}"
        return f"Cosmos DB documents in {cosmos.database}/{cosmos.container} ({where})"
    return canary.write.method if canary.write is not None else "write"


def _restore_details(drill: Drill) -> tuple[str, ...]:
    return (
        "from the journal alone, idempotently; drift is reported, not clobbered",
        f"runs on success, failure, abort, Ctrl-C and SIGTERM (max {drill.abort.max_duration})",
    )


def _objective_lines(drill: Drill) -> tuple[str, ...]:
    objectives = drill.objectives
    lines = [
        f"{label} <= {value} (real-world-equivalent)"
        for label, value in (
            ("RTO", objectives.rto),
            ("failback", objectives.failback),
            ("time to detect", objectives.time_to_detect),
        )
        if value is not None
    ]
    if objectives.rpo is not None:
        lines.append(f"RPO <= {objectives.rpo} (real-world-equivalent)")
    if objectives.lost_writes is not None:
        lines.append(f"lost writes <= {objectives.lost_writes}")
    return tuple(lines) or ("no objectives: the verdict is pass when the world is restored",)


def render_text(plan: Plan) -> str:
    """A readable multi-line rendering of ``plan`` for a terminal."""
    out = [f"drill {plan.drill} ({plan.environment})"]
    if plan.description:
        out.append(f"  {plan.description}")
    out.append(f"traffic manager profile: {plan.profile}")
    out.append(f"target: {plan.target}    survivors: {', '.join(plan.survivors)}")
    out.append("")
    for number, step in enumerate(plan.steps, start=1):
        marker = " [changes]" if step.mutates else ""
        out.append(f"{number:2}. {step.phase}{marker}: {step.summary}")
        out.extend(f"      - {line}" for line in step.details)
    if plan.notes:
        out.append("")
        out.extend(f"note: {note}" for note in plan.notes)
    return "\n".join(out)
