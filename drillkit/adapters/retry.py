"""The one place retry policies are built (tenacity): named errors, a total deadline,
Retry-After honoured, and zero backoff under test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import tenacity

from drillkit.errors import TransientAdapterError

T = TypeVar("T")

_state = {"testing": False}


def set_testing(on: bool = True) -> None:
    """Switch every policy to zero backoff (tests keep their attempts and deadlines)."""
    _state["testing"] = on


def is_testing() -> bool:
    return _state["testing"]


class _WaitRetryAfter(tenacity.wait.wait_base):
    """Exponential backoff with jitter, unless the error carries a Retry-After: then exactly
    that long. ARM does not process a request sent before Retry-After elapses and answers it
    with a new Retry-After, so a shorter wait only costs an attempt."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = tenacity.wait_random_exponential(multiplier=initial, max=maximum)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        after = retry_after_of(retry_state)
        if after is not None:
            return after
        return float(self._backoff(retry_state))


def retry_after_of(retry_state: tenacity.RetryCallState) -> float | None:
    """The Retry-After (seconds) of the attempt that just failed, when it had one."""
    outcome = retry_state.outcome
    error = outcome.exception() if outcome is not None else None
    after = getattr(error, "retry_after", None)
    if isinstance(after, int | float) and after >= 0:
        return float(after)
    return None


class _StopAtDeadline(tenacity.stop.stop_base):
    """Stop after ``attempts``, or when the next wait would end past ``deadline_s``: a retry
    that cannot happen before the deadline is not worth the wait. Under test nothing sleeps,
    so the planned waits count as spent time."""

    def __init__(self, attempts: int, deadline_s: float) -> None:
        self._attempts = attempts
        self._deadline = deadline_s

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if retry_state.attempt_number >= self._attempts:
            return True
        spent = retry_state.seconds_since_start or 0.0
        if _state["testing"]:
            spent += retry_state.idle_for
        return spent + retry_state.upcoming_sleep > self._deadline


def _no_sleep(seconds: float) -> None:
    return None


def policy(
    name: str,
    *,
    deadline_s: float = 30.0,
    attempts: int = 8,
    retry_on: tuple[type[BaseException], ...] = (TransientAdapterError,),
    initial_s: float = 0.2,
    max_wait_s: float = 5.0,
) -> tenacity.Retrying:
    """Retry ``retry_on`` errors of the call ``name`` until ``attempts`` or ``deadline_s``.
    ``max_wait_s`` caps the backoff only; a Retry-After is waited in full within the deadline."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(retry_on),
        stop=_StopAtDeadline(attempts, deadline_s),
        wait=_WaitRetryAfter(initial_s, max_wait_s),
        sleep=_no_sleep if _state["testing"] else time.sleep,
        reraise=True,
        before_sleep=_log(name),
    )


def call(name: str, fn: Callable[[], T], **kwargs: float | int) -> T:
    """Run ``fn`` under ``policy(name, **kwargs)``; each call is a debug event (``-vv``)."""
    import structlog

    retrying = policy(name, **kwargs)  # type: ignore[arg-type]
    started = time.monotonic()
    attempts = 0

    def attempt() -> T:
        nonlocal attempts
        attempts += 1
        return fn()

    try:
        result = retrying(attempt)
    except BaseException as e:
        structlog.get_logger().debug(
            "adapter.call",
            call=name,
            attempts=attempts,
            duration_s=round(time.monotonic() - started, 4),
            error=str(e)[:200],
        )
        raise
    structlog.get_logger().debug(
        "adapter.call",
        call=name,
        attempts=attempts,
        duration_s=round(time.monotonic() - started, 4),
    )
    return result


def _log(name: str) -> Callable[[tenacity.RetryCallState], None]:
    import structlog

    log = structlog.get_logger()

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        after = retry_after_of(state)
        log.info(
            "drill.retry",
            call=name,
            attempt=state.attempt_number,
            error=str(error)[:200],
            wait_s=round(state.upcoming_sleep, 3),
            throttled=after is not None,
            retry_after_s=after,
            status=getattr(error, "status", None),
        )

    return before_sleep
