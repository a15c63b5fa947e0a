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
    """Exponential backoff with jitter, unless the error carries a Retry-After."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = tenacity.wait_random_exponential(multiplier=initial, max=maximum)
        self._maximum = maximum

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        if _state["testing"]:
            return 0.0
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        after = getattr(error, "retry_after", None)
        if isinstance(after, int | float) and after >= 0:
            return float(min(after, self._maximum))
        return float(self._backoff(retry_state))


def policy(
    name: str,
    *,
    deadline_s: float = 30.0,
    attempts: int = 8,
    retry_on: tuple[type[BaseException], ...] = (TransientAdapterError,),
    initial_s: float = 0.2,
    max_wait_s: float = 5.0,
) -> tenacity.Retrying:
    """Retry ``retry_on`` errors of the call ``name`` until ``attempts`` or ``deadline_s``."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(retry_on),
        stop=tenacity.stop_after_attempt(attempts) | tenacity.stop_after_delay(deadline_s),
        wait=_WaitRetryAfter(initial_s, max_wait_s),
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
        log.info(
            "drill.retry",
            call=name,
            attempt=state.attempt_number,
            error=str(error)[:200],
            wait_s=round(state.upcoming_sleep, 3),
        )

    return before_sleep
