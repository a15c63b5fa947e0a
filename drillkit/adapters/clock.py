"""The real clock: monotonic time for durations, wall time (epoch seconds) for evidence."""

from __future__ import annotations

import time


class SystemClock:
    """``Clock`` backed by the ``time`` module."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
