"""When the observer's next sample is due: a :class:`~drillkit.core.sampling.Cadence` on the
loop's clock, woken early when a change becomes pending or a predicted window opens.

Without the wake, a sample planned at the slow cadence slept its whole interval even when the
detection read arrived just after it: the first name server's flip (which in the twin follows
detection by 0.1 s at a time scale of 0.1) was then bracketed by up to a whole poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from drillkit.core.sampling import Cadence


class Pacer:
    """Sleeps until a cadence's next sample (used from the observer's loop only)."""

    def __init__(
        self,
        cadence: Cadence,
        since: Callable[[], float | None],
        pending: Callable[[], bool],
        stopping: asyncio.Event,
    ) -> None:
        self.cadence = cadence
        self.since = since
        self.pending = pending
        self.stopping = stopping
        self.loop = asyncio.get_running_loop()
        self.scheduled = self.loop.time()
        self.last: float | None = None
        self.hurried = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Re-plan now: a change may have become pending (loop thread only)."""
        self._wake.set()

    async def due(self) -> float | None:
        """Sleep until the next sample is due; the loop time then, None when stopping."""
        while not self.stopping.is_set():
            now = self.loop.time()
            if now >= self.scheduled:
                return now
            wake_at = self.scheduled
            opens = self.cadence.opens_in(self.since())
            if opens is not None:
                wake_at = min(wake_at, now + opens + 1e-3)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, wake_at - now))
            now = self.loop.time()
            if (
                now < self.scheduled
                and self.last is not None
                and self.cadence.hurry(now, self.since(), self.pending())
            ):
                sooner = max(now, self.last + self.cadence.fast_s)
                if sooner < self.scheduled:
                    self.scheduled = sooner
                    self.hurried += 1
        return None

    def next(self, now: float) -> tuple[float, float]:
        """The sample at ``now`` is taken: (its lag behind schedule, the interval to the next)."""
        lag = now - self.scheduled
        interval = self.cadence.next_interval(now, self.since(), self.pending())
        self.last = now
        self.scheduled += interval
        return lag, interval
