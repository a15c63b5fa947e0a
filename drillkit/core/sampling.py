"""How often to look: the ARM read budget, the DNS query budget and the adaptive cadence.

ARM. Azure Resource Manager throttles reads with a token bucket per subscription, service
principal and region: 250 tokens, refilled at 25 per second (learn.microsoft.com, "Request limits
and throttling"). The subscription is shared with everything else its principals do, so a drill
takes a fifth of it: a bucket of 50 reads refilled at 5 per second. Monitor status is read at the
DNS poll cadence by default; an interval whose reads would exceed the refill is stretched to fit.

DNS. Inside a window where a change is expected, the observer asks faster (``fastInterval``),
bounded by ``queryBudget``: an average number of questions per second per vantage point and name
server over the drill, kept strictly: a bucket that starts empty and refills at the budget, from
which every question is paid (the ``pollInterval`` ones even on credit), so that a fast one is
asked only with what slower polling saved. Outside the windows it asks every ``pollInterval``.

"Bisect", honestly. A DNS server cannot be asked what it answered in the past, so a change seen
between two samples cannot be refined afterwards by asking at the midpoint. What can be done is
to shrink the interval while a change is still to come: the windows come from the prediction
(the profile's probe settings) and, once one name server or endpoint has changed, from what is
still pending (the other servers propagate the same change later, the other vantage points flip
with them). The bracket a run reports is the one it achieved, never narrower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from drillkit.spec.model import Observe

ARM_READ_BUCKET = 250.0
"""Tokens of ARM's subscription read bucket (learn.microsoft.com, request limits)."""
ARM_READ_REFILL_PER_S = 25.0
"""Tokens per second refilled into it."""
ARM_SHARE = 0.2
"""The part of the subscription's read budget a drill allows itself."""
DNS_SAVINGS_S = 3600.0
"""The DNS budget's bucket holds this many seconds of budget (it starts empty)."""
MIN_FAST_S = 0.02
"""The fastest cadence, whatever the budget."""


def arm_read_rate() -> float:
    """The sustained ARM reads per second a drill allows itself."""
    return ARM_READ_REFILL_PER_S * ARM_SHARE


def status_interval(observe: Observe, reads_per_status: int = 1) -> float:
    """Seconds between monitor-status reads outside windows: ``statusInterval`` when the drill
    sets it, else the DNS poll cadence; never faster than the ARM budget's refill allows."""
    explicit = "status_interval" in observe.model_fields_set
    base = float(observe.status_interval if explicit else observe.poll_interval)
    return max(base, reads_per_status / arm_read_rate())


def fast_interval(observe: Observe) -> float:
    """Seconds between samples inside a window: ``fastInterval``, else a fifth of the poll."""
    if observe.fast_interval is not None:
        return max(MIN_FAST_S, float(observe.fast_interval))
    return max(MIN_FAST_S, float(observe.poll_interval) / 5)


@dataclass
class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; starts full."""

    capacity: float
    rate: float
    tokens: float = -1.0
    last: float | None = None

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens at ``now`` (monotonic seconds) if there are enough."""
        if self.last is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def charge(self, now: float, cost: float = 1.0) -> None:
        """Spend ``cost`` tokens whatever the balance (a sample at the base cadence)."""
        self.take(now, 0.0)
        self.tokens = max(0.0 - self.capacity, self.tokens - cost)


@dataclass
class Cadence:
    """Chooses each sample's interval: fast inside a window and while a change is pending,
    within a budget; ``windows`` are (start, end) seconds after the fault (measured)."""

    poll_s: float
    fast_s: float
    budget_per_s: float
    windows: Sequence[tuple[float, float]] = ()
    burst: float | None = None
    """Tokens the bucket starts with and holds at most (ARM's documented bucket); None for a
    strict average (starts empty, holds ``DNS_SAVINGS_S`` seconds of budget)."""
    bucket: TokenBucket = field(init=False)
    fast_samples: int = 0
    samples: int = 0

    def __post_init__(self) -> None:
        if self.burst is None:
            self.bucket = TokenBucket(self.budget_per_s * DNS_SAVINGS_S, self.budget_per_s, 0.0)
        else:
            self.bucket = TokenBucket(self.burst, self.budget_per_s)

    def in_window(self, since_fault: float | None) -> bool:
        """Inside a predicted window (each widened by one poll interval on both sides)."""
        if since_fault is None:
            return False
        margin = self.poll_s
        return any(lo - margin <= since_fault <= hi + margin for lo, hi in self.windows)

    def next_interval(self, now: float, since_fault: float | None, pending: bool) -> float:
        """The interval to the next sample, spending one token for it."""
        self.samples += 1
        wanted = pending or self.in_window(since_fault)
        if wanted and self.fast_s < self.poll_s and self.bucket.take(now):
            self.fast_samples += 1
            return self.fast_s
        self.bucket.charge(now)
        return self.poll_s


def budget_lines(observe: Observe, servers: int) -> tuple[str, ...]:
    """What ``plan`` shows: the ARM and DNS budgets of this drill."""
    vantage = len(observe.vantage_points)
    poll, fast = float(observe.poll_interval), fast_interval(observe)
    status = status_interval(observe)
    budget = observe.query_budget
    over = 1 / poll > budget
    return (
        f"monitor status every {status:g}s ({1 / status:.2g} ARM reads/s; budget "
        f"{arm_read_rate():g}/s and a burst of {ARM_READ_BUCKET * ARM_SHARE:g}: a "
        f"{ARM_SHARE:.0%} share of ARM's subscription read bucket of {ARM_READ_BUCKET:g}, "
        f"refilled at {ARM_READ_REFILL_PER_S:g}/s)",
        f"DNS every {poll:g}s, every {fast:g}s while a change is expected; at most "
        f"{budget:g} questions/s on average per vantage point and name server "
        f"({vantage} vantage points x {servers or 'all'} name servers)"
        + (f"; pollInterval alone already asks {1 / poll:g}/s" if over else ""),
    )
