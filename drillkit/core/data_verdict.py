"""The data objectives (``rpo``, ``lostWrites``) judged like ``rto``, from the canary figures.

RPO is judged on its interval's midpoint in real-world-equivalent seconds (measured / time
scale) and reported with its half width. ``lostWrites`` is a count; a miss names the ids.
"""

from __future__ import annotations

from drillkit.core.data import DataMetrics
from drillkit.core.metrics import Measure
from drillkit.core.verdict import ObjectiveResult
from drillkit.spec.model import Objectives

NAMED = 20
"""At most this many lost ids in the verdict's sentence (evidence lists them all)."""


def _ids(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:NAMED])
    return shown if len(ids) <= NAMED else f"{shown} and {len(ids) - NAMED} more"


def judge_data(
    data: DataMetrics, objectives: Objectives, time_scale: float, survivors: str = "the survivor"
) -> tuple[ObjectiveResult, ...]:
    """``rpo`` then ``lostWrites``, for those the drill sets."""
    results: list[ObjectiveResult] = []
    acked = sum(c.acked for c in data.canaries)
    if objectives.rpo is not None:
        target = float(objectives.rpo)
        rpo = data.rpo if acked else None
        if rpo is None:
            results.append(
                ObjectiveResult("rpo", target, None, False, detail=(
                    f"rpo was never measured: no canary write was acknowledged by the target "
                    f"(objective {target:g}s)"
                ))
            )  # fmt: skip
        else:
            measured = Measure.of(rpo.mid, time_scale)
            held = measured.real <= target
            results.append(
                ObjectiveResult(
                    "rpo", target, measured, held, uncertainty=Measure.of(rpo.half, time_scale),
                    detail=None if held else (
                        f"rpo was {rpo.text(time_scale)} (objective {target:g}s): acknowledged "
                        f"writes from that far back never reached {survivors}"
                    ),
                )
            )  # fmt: skip
    if objectives.lost_writes is not None:
        allowed = objectives.lost_writes
        lost = data.lost
        count = float(len(lost))
        held = acked > 0 and len(lost) <= allowed
        if acked == 0:
            detail: str | None = (
                f"lostWrites was never measured: no canary write was acknowledged by the target "
                f"(objective {allowed})"
            )
        elif held:
            detail = None
        else:
            detail = (
                f"lostWrites: {len(lost)} acknowledged write{'s' if len(lost) != 1 else ''} "
                f"never readable on {survivors}: {_ids(lost)} (objective {allowed})"
            )
        results.append(
            ObjectiveResult(
                "lostWrites", float(allowed), Measure(count, count) if acked else None, held,
                unit="writes", detail=detail,
            )
        )  # fmt: skip
    return tuple(results)
