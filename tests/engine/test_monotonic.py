"""Every duration is measured on the monotonic clock (issue #17): wall time only names instants."""

from __future__ import annotations

import time

import pytest

from drillkit.adapters.clock import SystemClock, anchored_wall


def test_wall_clock_steps_do_not_reach_measured_instants(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wall-clock step (NTP, an operator) after start-up moves neither the instants the engine
    stamps nor the durations between them: they advance with the monotonic clock alone."""
    clock = SystemClock()
    before = clock.wall()
    mono = time.monotonic()
    monkeypatch.setattr(time, "time", lambda: 0.0)  # the wall clock jumps back to 1970
    after = clock.wall()
    elapsed = time.monotonic() - mono
    assert after >= before
    assert after - before == pytest.approx(elapsed, abs=0.01)
    assert anchored_wall() > 1e9


def test_engine_and_core_never_read_the_wall_clock() -> None:
    """Outside the clock adapter, nothing that measures reads ``time.time()``."""
    from pathlib import Path

    import drillkit

    root = Path(drillkit.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for layer in ("engine", "core", "evidence")
        for path in (root / layer).rglob("*.py")
        if "time.time()" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
