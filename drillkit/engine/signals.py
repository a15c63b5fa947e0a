"""SIGINT and SIGTERM during a drill: raise ``Interrupted`` in the main thread, except while
restore runs (shielded), when the signal is only remembered."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType


class Interrupted(BaseException):
    """A signal asked the drill to stop; restore follows."""

    def __init__(self, signal_name: str) -> None:
        self.signal_name = signal_name
        super().__init__(signal_name)


@dataclass
class SignalState:
    """The first signal received, and whether raising is held back."""

    received: str | None = None
    shielded: bool = False

    @contextmanager
    def shield(self) -> Iterator[None]:
        """Remember signals instead of raising them (restore must run to its end)."""
        before = self.shielded
        self.shielded = True
        try:
            yield
        finally:
            self.shielded = before


@contextmanager
def interrupts() -> Iterator[SignalState]:
    """Turn SIGINT and SIGTERM into ``Interrupted`` for the duration of the block."""
    state = SignalState()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if state.received is None:
            state.received = name
        if not state.shielded:
            raise Interrupted(name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def two_step_stop(
    stop: threading.Event, say: Callable[[str], None], on_stop: Callable[[str], None]
) -> Iterator[None]:
    """For restore: the first SIGINT or SIGTERM is announced and restore carries on; the
    second calls ``on_stop(name)`` and sets ``stop`` (restore stops between items)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[str] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        received.append(name)
        if len(received) == 1:
            say(
                f"{name} received: finishing the current item and carrying on with the restore; "
                "send a second signal to stop now (what is left will be listed)"
            )
            return
        on_stop(name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
