"""ARM throttling: Retry-After is waited in full within the phase's deadline (a request sent
earlier is not processed and gets a new Retry-After), restore has a longer deadline, and every
throttle is logged with its wait."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from drillkit.adapters import retry
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.errors import TransientAdapterError

ARM_THROTTLING = (
    "https://learn.microsoft.com/azure/azure-resource-manager/management/"
    "request-limits-and-throttling"
)


@pytest.fixture(autouse=True)
def _testing() -> Iterator[None]:
    retry.set_testing(True)  # nothing sleeps; planned waits count against the deadline
    yield
    retry.set_testing(False)


def _throttled(times: int, after: float) -> tuple[list[int], Any]:
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise TransientAdapterError("throttled", status=429, retry_after=after)
        return "ok"

    return calls, fn


def test_the_whole_retry_after_is_waited() -> None:
    """Problem 9: a 12 s Retry-After is waited in full (round 1 capped it at 5 s), logged as a
    throttle. ARM: "If you send a request before the retry value has elapsed, your request isn't
    processed and a new retry value is returned." (ARM_THROTTLING)"""
    calls, fn = _throttled(1, 12.0)
    with capture_logs() as logs:
        assert retry.call("arm.read", fn, deadline_s=20.0) == "ok"
    throttles = [e for e in logs if e["event"] == "drill.retry" and e["throttled"]]
    assert len(calls) == 2 and [e["wait_s"] for e in throttles] == [12.0]
    assert throttles[0]["retry_after_s"] == 12.0 and throttles[0]["status"] == 429


def test_a_retry_after_past_the_deadline_gives_up_at_once() -> None:
    """A Retry-After longer than what is left of the deadline is not waited: the call fails at
    once with the throttling error instead of sending requests ARM will not process."""
    calls, fn = _throttled(5, 30.0)
    with pytest.raises(TransientAdapterError, match="throttled"):
        retry.call("arm.read", fn, deadline_s=20.0)
    assert len(calls) == 1


class _Response:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code = status
        self.headers = headers
        self.reason = "Too Many Requests"
        self.content_type = "application/json"

    def text(self, encoding: str | None = None) -> str:
        return '{"error": {"code": "TooManyRequests", "message": "throttled"}}'


class _Endpoints:
    def __init__(self, throttles: int) -> None:
        self.throttles = throttles
        self.bodies: list[Any] = []

    def update(self, rg: str, profile: str, type_: str, name: str, body: Any, **kw: Any) -> Any:
        from azure.core.exceptions import HttpResponseError

        self.bodies.append(body)
        if len(self.bodies) <= self.throttles:
            raise HttpResponseError(
                message="throttled", response=_Response(429, {"Retry-After": "60"})
            )
        return body


def _tm(throttles: int) -> tuple[AzureTrafficManager, _Endpoints]:
    tm = AzureTrafficManager(
        object(), "sub", "rg", "storefront", retry_deadline_s=20.0, restore_deadline_s=600.0
    )
    fake = _Endpoints(throttles)
    tm._client = type("Client", (), {"endpoints": fake, "close": lambda self: None})()
    return tm, fake


def test_restore_outlasts_throttling_that_a_drill_phase_would_not() -> None:
    """Three 60 s Retry-Afters stop an ordinary call (20 s deadline) but not a restore, which
    has its own longer deadline: the endpoint is enabled again, not "restore incomplete"."""
    tm, fake = _tm(3)
    with pytest.raises(TransientAdapterError):
        tm.set_endpoint_status("storefront-na", "ExternalEndpoints", "eastus", "Disabled")
    tm, fake = _tm(3)
    with capture_logs() as logs:
        tm.set_endpoint_status(
            "storefront-na", "ExternalEndpoints", "eastus", "Enabled", restore=True
        )
    assert len(fake.bodies) == 4
    assert [e["wait_s"] for e in logs if e.get("throttled")] == [60.0, 60.0, 60.0]


def test_the_endpoint_body_is_built_by_keyword() -> None:
    """Problem 8: the update body is Endpoint(endpoint_status=...), which azure-mgmt-trafficmanager
    1.1 and 2.x both accept (1.1 raised TypeError on Endpoint({"properties": ...}))."""
    tm, fake = _tm(0)
    tm.set_endpoint_status("storefront-na", "ExternalEndpoints", "eastus", "Disabled")
    body = fake.bodies[0]
    assert str(getattr(body.endpoint_status, "value", body.endpoint_status)) == "Disabled"
