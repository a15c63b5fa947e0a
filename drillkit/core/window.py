"""The time-window guard: may an unattended drill start at this instant? Pure: ``now`` is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from drillkit.spec.unattended import WindowGuard

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class WindowDecision:
    """Whether the window allows a start now, and why in one sentence."""

    allowed: bool
    reason: str
    local: datetime
    """``now`` in the window's time zone."""


def _hours(spec: str) -> tuple[time, time | None]:
    start, end = spec.split("-")
    end_time = None if end == "24:00" else time.fromisoformat(end)
    return time.fromisoformat(start), end_time


def _blackouts(spec: WindowGuard) -> list[tuple[date, date, str]]:
    out = []
    for item in spec.blackout:
        days = [date.fromisoformat(d) for d in item.split("/")]
        out.append((days[0], days[-1], item))
    return out


def check_window(spec: WindowGuard, now: datetime) -> WindowDecision:
    """Judge an aware ``now`` against the window's days, hours and blackout dates."""
    if now.tzinfo is None:
        raise ValueError("check_window needs an aware datetime")
    local = now.astimezone(ZoneInfo(spec.timezone))
    stamp = f"{local:%a %Y-%m-%d %H:%M} {spec.timezone}"
    for first, last, item in _blackouts(spec):
        if first <= local.date() <= last:
            return WindowDecision(False, f"{stamp} is inside the blackout {item}", local)
    day = _DAYS[local.weekday()]
    if day not in spec.days:
        allowed = ", ".join(spec.days) or "no day"
        return WindowDecision(False, f"{stamp} is a {day}; drills may start on {allowed}", local)
    start, end = _hours(spec.hours)
    clock = local.time().replace(tzinfo=None)
    if clock < start or (end is not None and clock >= end):
        return WindowDecision(False, f"{stamp} is outside the allowed hours {spec.hours}", local)
    return WindowDecision(True, f"{stamp} is inside the window", local)


def next_opening(spec: WindowGuard, now: datetime, *, horizon_days: int = 400) -> datetime | None:
    """The first instant at or after ``now`` when a start is allowed (None within the horizon)."""
    zone = ZoneInfo(spec.timezone)
    local = now.astimezone(zone)
    start, _ = _hours(spec.hours)
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        candidate = datetime.combine(day, start, tzinfo=zone)
        if offset == 0 and check_window(spec, now).allowed:
            return now
        if candidate >= now and check_window(spec, candidate).allowed:
            return candidate
    return None
