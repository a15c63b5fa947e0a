"""The ARM read budget, the DNS query budget and the adaptive cadence (issue #17)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drillkit.core.design import DesignEndpoint, DesignProfile, Monitor
from drillkit.core.sampling import (
    ARM_READ_BUCKET,
    ARM_READ_REFILL_PER_S,
    Cadence,
    TokenBucket,
    arm_get_rate,
    arm_read_rate,
    budget_lines,
    design_detection_profiles,
    detection_profiles,
    fast_interval,
    fast_status_interval,
    status_cadence,
    status_interval,
    tree_profiles,
)
from drillkit.spec.model import Observe

ARM_DOC = (
    "https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/"
    "request-limits-and-throttling"
)


def _tree() -> DesignProfile:
    """The sandbox's shape: a Geographic parent over two nested Priority children."""
    monitor = Monitor(interval_s=10, timeout_s=5, tolerated_failures=3)

    def child(name: str) -> DesignProfile:
        leaf = DesignEndpoint("us", "ExternalEndpoints", "us.ingress.sandbox.test")
        return DesignProfile(name, "Priority", 30, monitor, endpoints=(leaf,))

    nested = tuple(
        DesignEndpoint(n, "NestedEndpoints", child=child(f"myapp-{n}")) for n in ("na", "eu")
    )
    return DesignProfile("myapp", "Geographic", 30, monitor, endpoints=nested)


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
    assert status_interval(_observe(), gets_per_read=3) == 0.6


def test_explicit_status_interval_is_kept() -> None:
    """A drill that sets statusInterval keeps it."""
    assert status_interval(_observe(statusInterval="2s")) == 2.0


def test_status_interval_defaults_to_unset_and_survives_a_round_trip() -> None:
    """statusInterval's default is unset (the poll cadence), not 5 s, also after a drill is
    dumped and read back (a dumped default used to come back as an explicit 5 s)."""
    observe = _observe()
    assert observe.status_interval is None
    again = Observe.model_validate(observe.model_dump(mode="json", by_alias=True))
    assert status_interval(again) == 0.25


def test_a_status_read_costs_one_get_per_profile_of_the_tree() -> None:
    """The sandbox tree (myapp with nested myapp-na and myapp-eu) costs 3 GETs a read: read at
    the 250 ms poll cadence that would be 12 GETs/s, so the read is stretched to 0.6 s, 5
    GETs/s, the budget; from the burst, at most twice the refill (every 0.3 s)."""
    gets = tree_profiles(_tree())
    assert gets == 3 and tree_profiles(None) == 1
    observe = _observe()
    assert status_interval(observe, gets) == 0.6
    assert arm_get_rate(observe, gets) == arm_read_rate() == 5.0
    assert arm_get_rate(_observe(statusInterval="3s"), gets) == 1.0
    assert fast_status_interval(observe, gets) == 0.3
    cadence = status_cadence(observe, (), gets)
    assert (cadence.poll_s, cadence.fast_s) == (0.6, 0.3)
    # Counted in GETs: each read pays for the GETs it sends.
    assert (cadence.budget_per_s, cadence.bucket.capacity) == (5.0, ARM_READ_BUCKET * 0.2)
    assert (cadence.slow_cost, cadence.fast_cost) == (3.0, 3.0)


def test_a_fast_read_of_the_target_profile_alone_comes_three_times_as_often() -> None:
    """Detection reads only the target's endpoints: read alone, their profile (myapp-na, one
    GET) can be read every 0.1 s from the burst instead of the whole tree every 0.3 s, for the
    same GETs per second; the slow reads stay reads of the whole tree."""
    observe = _observe()
    cadence = status_cadence(observe, (), 3, 1)
    assert (cadence.poll_s, cadence.fast_s) == (0.6, 0.1)
    assert (cadence.slow_cost, cadence.fast_cost) == (3.0, 1.0)
    assert fast_status_interval(observe, 1) == 1 / (2 * arm_read_rate())
    regions = [("myapp", None), ("myapp-na", "us"), ("myapp-eu", "eu"), ("myapp-eu", "us")]
    assert detection_profiles(regions, "us") == ("myapp-eu", "myapp-na")
    ingresses = {"us": "us.ingress.sandbox.test"}
    assert design_detection_profiles(_tree(), "us", ingresses) == ("myapp-eu", "myapp-na")
    arm, _ = budget_lines(observe, servers=2, profiles=3, watched=1)
    assert "every 0.1s from the burst" in arm and "(1 GET each: only the profiles" in arm


@given(st.lists(st.booleans(), min_size=50, max_size=400))
def test_status_cadence_spends_the_gets_it_sends(pending: list[bool]) -> None:
    """Whatever is pending, the GETs of the reads a cadence plans (1 for a fast read of the
    target's profile, 3 for a read of the tree) never exceed the burst plus the refill over
    the time from the first read to the last."""
    cadence = status_cadence(_observe(), (), 3, 1)
    now = last = 0.0
    gets = 3.0  # the first read, of the whole tree
    for p in pending:
        last = now
        interval = cadence.next_interval(now, 1.0, p)
        now += interval
        gets += cadence.fast_cost if interval == cadence.fast_s else cadence.slow_cost
    assert gets - 3.0 <= cadence.burst + arm_read_rate() * last + 3.0
    assert cadence.bucket.tokens >= 0.0 - cadence.burst


def test_fast_interval_defaults_to_a_fifth_of_the_poll() -> None:
    """Inside a window the default cadence is pollInterval / 5; fastInterval overrides it."""
    assert fast_interval(_observe()) == 0.05
    assert fast_interval(_observe(fastInterval="30ms")) == 0.03


def test_plan_lines_show_both_budgets() -> None:
    """``plan`` shows the ARM read budget and the per-server DNS budget."""
    arm, dns = budget_lines(_observe(pollInterval="1s"), servers=2)
    assert "monitor status every 1s" in arm and "budget 5 GETs/s" in arm
    assert "DNS every 1s, every 0.2s while a change is expected" in dns
    assert "at most 4 questions/s" in dns and "1 vantage points x 2 name servers" in dns


def test_plan_prints_the_get_rate_of_the_tree() -> None:
    """With the tree's profiles counted (``plan --inspect``) the ARM line prints the GETs per
    read and the GET rate they add up to; offline it says the rate is per profile."""
    arm, _ = budget_lines(_observe(), servers=2, profiles=3)
    assert arm.startswith("monitor status every 0.6s (3 ARM GETs per read")
    assert "5 ARM GETs/s" in arm and "every 0.3s from the burst" in arm
    offline, _ = budget_lines(_observe(), servers=2)
    assert "4 GETs/s for a single profile" in offline and "plan --inspect" in offline


def test_plan_says_when_the_poll_cadence_spends_the_whole_query_budget() -> None:
    """At pollInterval 250 ms with the default queryBudget of 4/s no fast sample can ever be
    paid for (the strict bucket never fills), and the plan says so instead of promising one;
    a looser budget buys the fast cadence back."""
    _, dns = budget_lines(_observe(), servers=2)
    assert "no fast sampling: the query budget is spent by the poll cadence" in dns
    assert "while a change is expected" not in dns
    cadence = Cadence(0.25, fast_interval(_observe()), 4.0)
    now = 0.0
    for _ in range(400):
        now += cadence.next_interval(now, 1.0, pending=True)
    assert cadence.fast_samples == 0
    _, dns = budget_lines(_observe(queryBudget=8), servers=2)
    assert "every 0.05s while a change is expected" in dns


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
