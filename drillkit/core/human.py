"""The human timeline of a ``manual`` drill: paged, first action, each change, traffic moved.

A person's time is real time: the time to act is reported in measured seconds, never divided
by the sandbox's time scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from drillkit.core.metrics import Metrics
from drillkit.core.timeline import Timeline
from drillkit.spec.model import Drill, ManualFault

HUMAN_ACTION = "human-change"
"""The journal's action for a change a person made (``engine/faults/manual.py``)."""


@dataclass(frozen=True, slots=True)
class HumanStep:
    """One moment of the person's part."""

    at: float
    event: str
    """``paged``, ``first action``, ``change`` or ``traffic moved``."""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class HumanTimeline:
    """What the person did, and how long it took them to act."""

    instructions: str
    since: str
    """What the time to act counts from: ``the page`` or ``the drill's start``."""
    since_at: float
    acted_at: float | None
    """The first change seen; None when nobody acted."""
    steps: tuple[HumanStep, ...]

    @property
    def time_to_act_s(self) -> float | None:
        """Seconds from the page (or the start) to the first change drillkit saw."""
        return None if self.acted_at is None else self.acted_at - self.since_at


def human_timeline(drill: Drill, timeline: Timeline, metrics: Metrics) -> HumanTimeline | None:
    """The person's part of a manual drill (None for a fault drillkit injects itself)."""
    fault = drill.fault
    if not isinstance(fault, ManualFault):
        return None
    changes = [c for c in timeline.changes if c.action == HUMAN_ACTION]
    steps: list[HumanStep] = []
    if timeline.paged_at is not None:
        steps.append(HumanStep(timeline.paged_at, "paged", fault.page or ""))
    for index, c in enumerate(changes):
        value = "" if c.value is None else f" to {c.value}"
        by = f" ({c.reason})" if c.reason else ""
        # The first change is the fault: its instant is the middle of the watch's bracket.
        first_at = timeline.fault_injected_at if index == 0 else None
        event = "first action" if index == 0 else "change"
        steps.append(HumanStep(first_at or c.at, event, f"{c.target}{value}{by}"))
    if metrics.rto_at is not None:
        steps.append(
            HumanStep(metrics.rto_at, "traffic moved", "every vantage point served by a survivor")
        )
    paged = timeline.paged_at is not None
    return HumanTimeline(
        instructions=fault.instructions,
        since="the page" if paged else "the drill's start",
        since_at=timeline.paged_at if timeline.paged_at is not None else timeline.started_at,
        acted_at=timeline.fault_injected_at if changes else None,
        steps=tuple(sorted(steps, key=lambda s: s.at)),
    )
