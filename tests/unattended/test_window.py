"""The time-window guard: weekdays, hours and blackout dates, judged in the window's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drillkit.core.window import check_window, next_opening
from drillkit.spec.unattended import WindowGuard

PARIS = WindowGuard(
    timezone="Europe/Paris",
    days=["Tue", "Wed", "Thu"],
    hours="10:00-16:00",
    blackout=["2026-12-21/2027-01-04", "2026-12-03"],
)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "allowed", "why"),
    [
        ("2026-12-01T09:30", True, "Tue 2026-12-01 10:30 Europe/Paris is inside"),
        ("2026-12-01T08:59", False, "outside the allowed hours 10:00-16:00"),
        ("2026-12-01T15:00", False, "16:00 Europe/Paris is outside the allowed hours"),
        ("2026-11-30T12:00", False, "is a Mon; drills may start on Tue, Wed, Thu"),
        ("2026-12-03T12:00", False, "inside the blackout 2026-12-03"),
        ("2026-12-22T12:00", False, "inside the blackout 2026-12-21/2027-01-04"),
        ("2027-01-05T12:00", True, "inside the window"),
    ],
)
def test_window_decision(now: str, allowed: bool, why: str) -> None:
    """Days, hours (end excluded) and blackouts are judged in local time and say why."""
    decision = check_window(PARIS, _utc(now))
    assert decision.allowed is allowed
    assert why in decision.reason


def test_summer_time_moves_the_window_in_utc() -> None:
    """10:00 in Paris is 09:00 UTC in winter and 08:00 UTC in summer (zoneinfo applies DST)."""
    summer = _utc("2026-07-07T08:30")
    assert check_window(PARIS, summer).allowed
    assert not check_window(PARIS, _utc("2026-12-01T08:30")).allowed


def test_naive_datetimes_are_refused() -> None:
    """A time without a zone cannot be placed in the window: refuse rather than guess."""
    with pytest.raises(ValueError, match="aware"):
        check_window(PARIS, datetime(2026, 12, 1, 12))


def test_next_opening_skips_blackouts_and_weekends() -> None:
    """The next allowed start skips weekdays outside the window and every blackout date."""
    opening = next_opening(PARIS, _utc("2026-11-30T20:00"))
    assert opening is not None
    assert opening.isoformat() == "2026-12-01T10:00:00+01:00"
    after_blackout_day = next_opening(PARIS, _utc("2026-12-02T16:30"))
    assert after_blackout_day is not None
    assert after_blackout_day.isoformat() == "2026-12-08T10:00:00+01:00"
    after_holidays = next_opening(PARIS, _utc("2026-12-17T16:30"))
    assert after_holidays is not None
    assert after_holidays.isoformat() == "2027-01-05T10:00:00+01:00"
