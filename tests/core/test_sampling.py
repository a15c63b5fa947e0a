"""The ARM read budget, the DNS query budget and the adaptive cadence (issue #17)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drillkit.core.sampling import (
    ARM_READ_BUCKET,
    ARM_READ_REFILL_PER_S,
    Cadence,
    TokenBucket,
    arm_read_rate,
    budget_lines,
    fast_interval,
    status_interval,
)
from drillkit.spec.model import Observe

ARM_DOC = (
    "https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/"
    "request-limits-and-throttling"
)


def _observe(**extra: object) -> Observe:
    raw = {
        "pollInterval": "250ms",
        "vantagePoints": [
            {"name": "ny", "clientSubnet": "24.1.2.0/24", "expectDuringOutage": "eu"}
        ],
        **extra,
    }
    return Observe.model_validate(raw)


def test_arm_budget_is_a_share_of_the_documented_read_bucket() -> None:
    """ARM documents: "The token bucket represents the maximum number of requests that you can
    send for each second. When you reach the maximum number of requests, the refill rate
    determines how quickly tokens become available in the bucket." with "Subscription | reads |
    250 | 25" (ARM_DOC); drillkit allows itself a fifth of that refill."""
    assert (ARM_READ_BUCKET, ARM_READ_REFILL_PER_S) == (250.0, 25.0)
    assert arm_read_rate() == 5.0


def test_status_is_read_at_the_dns_cadence_by_default() -> None:
    """Without statusInterval, monitor status is read at the poll cadence (not every 5 s)."""
    assert status_interval(_observe()) == 0.25


def test_status_interval_is_stretched_to_the_arm_budget() -> None:
    """A cadence whose reads would exceed the ARM budget is stretched to fit it."""
    assert status_interval(_observe(pollInterval="50ms")) == 0.2
    assert status_interval(_observe(), reads_per_status=3) == 0.6


def test_explicit_status_interval_is_kept() -> None:
    """A drill that sets statusInterval keeps it."""
    assert status_interval(_observe(statusInterval="2s")) == 2.0


def test_fast_interval_defaults_to_a_fifth_of_the_poll() -> None:
    """Inside a window the default cadence is pollInterval / 5; fastInterval overrides it."""
    assert fast_interval(_observe()) == 0.05
    assert fast_interval(_observe(fastInterval="30ms")) == 0.03


def test_plan_lines_show_both_budgets() -> None:
    """``plan`` shows the ARM read budget and the per-server DNS budget."""
    arm, dns = budget_lines(_observe(), servers=2)
    assert "monitor status every 0.25s" in arm and "budget 5/s" in arm
    assert "at most 4 questions/s" in dns and "1 vantage points x 2 name servers" in dns


def test_bucket_refills_and_caps() -> None:
    """A token bucket starts full, refills at its rate and never holds more than its capacity."""
    bucket = TokenBucket(capacity=2, rate=1)
    assert bucket.take(0.0) and bucket.take(0.0)
    assert not bucket.take(0.5)
    assert bucket.take(1.0)
    bucket.take(100.0, 0.0)
    assert bucket.tokens == 2


def test_cadence_is_fast_only_while_a_change_is_expected() -> None:
    """Before the fault and with nothing pending the cadence is the poll interval; inside a
    predicted window, or while a change is pending, it is the fast interval."""
    cadence = Cadence(0.5, 0.05, 4.0, windows=((3.0, 4.0),))
    assert cadence.next_interval(0.0, None, pending=False) == 0.5
    assert cadence.next_interval(0.5, 1.0, pending=False) == 0.5
    assert cadence.next_interval(10.0, 3.2, pending=False) == 0.05
    assert cadence.next_interval(10.05, 9.0, pending=True) == 0.05


def test_dns_budget_is_a_strict_average() -> None:
    """The DNS bucket starts empty: a fast sample is paid with what slower polling saved, so
    the questions asked never exceed the budget times the time from the first to the last."""
    cadence = Cadence(0.5, 0.05, 4.0)
    assert cadence.next_interval(0.0, 1.0, pending=True) == 0.5  # nothing saved yet
    now, asked = 0.5, 1
    while now < 20.0:
        asked += 1
        last = now
        now += cadence.next_interval(now, 1.0, pending=True)
    assert asked <= 4.0 * last
    assert cadence.fast_samples > 0


def test_arm_budget_starts_with_its_share_of_the_bucket() -> None:
    """The ARM cadence may burst from its share of ARM's bucket right away."""
    cadence = Cadence(0.25, 0.1, 5.0, burst=50.0)
    assert cadence.next_interval(0.0, 0.0, pending=True) == 0.1


@given(st.lists(st.booleans(), min_size=50, max_size=400))
def test_cadence_keeps_the_average_within_budget(pending: list[bool]) -> None:
    """Whatever is pending, the samples of a run never exceed the budget times the time from the
    first sample to the last (when the base cadence itself is within the budget)."""
    cadence = Cadence(0.5, 0.05, 4.0)
    now = last = 0.0
    for p in pending:
        last = now
        now += cadence.next_interval(now, 1.0, p)
    assert cadence.samples <= cadence.budget_per_s * last
