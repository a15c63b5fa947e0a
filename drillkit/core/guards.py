"""Decisions of the guard rails on Alertmanager's answers: refuse, abort, how long to silence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SILENCE_MARGIN_S = 600.0


@dataclass(frozen=True, slots=True)
class FiringAlert:
    """An alert as Alertmanager reports it."""

    name: str
    labels: dict[str, str]
    state: str
    """``active``, ``suppressed`` or ``unprocessed``."""
    silenced_by: tuple[str, ...] = ()
    starts_at: str = ""
    fingerprint: str = ""
    summary: str = ""

    def describe(self) -> str:
        """``AlertName{label="value",...}`` with the labels that identify it."""
        shown = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()) if k != "alertname")
        return f"{self.name}{{{shown}}}" if shown else self.name


def _named(alerts: Sequence[FiringAlert]) -> str:
    return "; ".join(a.describe() for a in alerts)


def refusal(alerts: Sequence[FiringAlert], matchers: Sequence[str]) -> str | None:
    """Why the drill must not start (a real incident may be running), or None."""
    if not alerts:
        return None
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    return (
        f"{count} matching refuseIfFiring [{', '.join(matchers)}] "
        f"{'are' if len(alerts) != 1 else 'is'} firing, so a real incident may be running: "
        f"{_named(alerts)}. Nothing was changed; run the drill once they have resolved."
    )


def abort_reason(alerts: Sequence[FiringAlert]) -> str | None:
    """Why the drill must stop and restore now (an unexpected, unsilenced alert), or None."""
    unsilenced = [a for a in alerts if not a.silenced_by and a.state != "suppressed"]
    if not unsilenced:
        return None
    return f"alerts matching abortIfFiring are firing and not silenced: {_named(unsilenced)}"


def silence_until(
    start: datetime,
    max_duration_s: float,
    restore_deadline_s: float,
    margin_s: float = SILENCE_MARGIN_S,
) -> datetime:
    """When the drill's silence ends on its own if nobody expires it (a killed run): the
    longest the drill and its restore may take, plus a margin for failback."""
    return start + timedelta(seconds=max_duration_s + restore_deadline_s + margin_s)
