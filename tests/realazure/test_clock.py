"""Durations come from the monotonic clock: an NTP step of the wall clock during a drill moves
neither a measured duration nor the order of instants."""

from __future__ import annotations

import time

import pytest

from drillkit.adapters.clock import SystemClock


def test_a_wall_clock_step_does_not_skew_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problem 12: the wall clock stepping back an hour between two readings leaves the
    interval between them what the monotonic clock says (round 1 read time.time())."""
    clock = SystemClock()
    first, first_mono = clock.wall(), time.monotonic()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 3600.0)  # NTP steps back 1 h
    time.sleep(0.05)
    second, second_mono = clock.wall(), time.monotonic()
    assert second > first
    assert abs((second - first) - (second_mono - first_mono)) < 0.005
