"""The real clock: monotonic time for durations, and a wall time for evidence that is derived
from it (the epoch time at start-up plus monotonic time since), so that an NTP step during a
drill can neither skew a measured duration nor reorder two instants."""

from __future__ import annotations

import time

_ANCHOR = (time.time(), time.monotonic())


def anchored_wall() -> float:
    """Epoch seconds as of process start-up, advanced by the monotonic clock since."""
    wall, mono = _ANCHOR
    return wall + (time.monotonic() - mono)


class SystemClock:
    """``Clock`` backed by the ``time`` module; ``wall`` is :func:`anchored_wall`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return anchored_wall()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
