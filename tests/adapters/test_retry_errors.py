"""Retry policies (tenacity) and the translation of failures at the adapter border."""

from __future__ import annotations

import time

import pytest

from drillkit.adapters import retry
from drillkit.adapters.errors import from_status, short, status_message
from drillkit.errors import PermanentAdapterError, TransientAdapterError


def _flaky(failures: int, retry_after: float | None = None) -> tuple[list[int], object]:
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise TransientAdapterError("busy", status=429, retry_after=retry_after)
        return "ok"

    return calls, fn


def test_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 429 with Retry-After waits that long before the next attempt."""
    retry.set_testing(False)
    calls, fn = _flaky(1, retry_after=0.3)
    started = time.monotonic()
    assert retry.call("test", fn) == "ok"  # type: ignore[arg-type]
    assert len(calls) == 2 and time.monotonic() - started >= 0.3


def test_zero_backoff_in_tests() -> None:
    """Under test, retries keep their attempts but do not sleep."""
    retry.set_testing(True)
    try:
        calls, fn = _flaky(3, retry_after=5)
        started = time.monotonic()
        assert retry.call("test", fn) == "ok"  # type: ignore[arg-type]
        assert len(calls) == 4 and time.monotonic() - started < 0.5
    finally:
        retry.set_testing(False)


def test_attempts_are_bounded_and_the_error_surfaces() -> None:
    """After the last attempt the transient error itself is raised."""
    retry.set_testing(True)
    try:
        calls, fn = _flaky(100)
        with pytest.raises(TransientAdapterError, match="busy"):
            retry.call("test", fn, attempts=3)  # type: ignore[arg-type]
        assert len(calls) == 3
    finally:
        retry.set_testing(False)


def test_permanent_errors_are_not_retried() -> None:
    """A 403 is raised at once."""
    calls: list[int] = []

    def fn() -> None:
        calls.append(1)
        raise PermanentAdapterError("forbidden", status=403)

    with pytest.raises(PermanentAdapterError):
        retry.call("test", fn)
    assert calls == [1]


def test_status_mapping() -> None:
    """429 and 5xx are transient (with Retry-After); 4xx are permanent."""
    throttled = from_status("read", 429, "slow down", {"Retry-After": "7"})
    assert isinstance(throttled, TransientAdapterError) and throttled.retry_after == 7.0
    assert isinstance(from_status("read", 503, "x"), TransientAdapterError)
    assert isinstance(from_status("read", 404, "x"), PermanentAdapterError)
    assert isinstance(from_status("read", None, "reset"), TransientAdapterError)


def test_bodies_are_cut_and_redacted() -> None:
    """Error bodies are shortened and tokens in them hidden before they reach a log."""
    body = (
        '{"error": {"code": "X", "message": "Authorization: Bearer abc.def.ghi ' + "y" * 900 + '"}}'
    )
    message = status_message(body)
    assert "abc.def.ghi" not in message and len(message) <= 300
    assert short("z" * 1000, 50).endswith("…") and len(short("z" * 1000, 50)) == 50
