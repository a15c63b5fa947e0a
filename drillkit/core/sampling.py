"""How often to look: the ARM read budget, the DNS query budget and the adaptive cadence.

ARM. Azure Resource Manager throttles reads with a token bucket per subscription, service
principal and region: 250 tokens, refilled at 25 per second (learn.microsoft.com, "Request limits
and throttling"). The subscription is shared with everything else its principals do, so a drill
takes a fifth of it: a bucket of 50 reads refilled at 5 per second. Monitor status is read at the
DNS poll cadence by default; an interval whose reads would exceed the refill is stretched to fit.
One status read of a nested tree is one ARM GET per profile (the parent and each child), and the
budget is spent in GETs: a tree of three profiles is read a third as often. Inside the detection
window (and while detection is pending) a read asks only the profiles that hold the target
region's endpoints, whose statuses decide detection: one GET in a tree of a parent and one child
per region, so those reads come three times as often for the same GETs. Outside it every read
is of the whole tree (the evidence and the manual fault need every status).

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from drillkit.core.design import DesignProfile, Prediction, Window, leaves, region_of_answer
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


def tree_profiles(design: DesignProfile | None) -> int:
    """ARM GETs one monitor-status read costs: one per profile of the tree (1 when unknown)."""
    if design is None:
        return 1
    return 1 + sum(tree_profiles(e.child) for e in design.endpoints if e.child is not None)


def status_interval(observe: Observe, gets_per_read: int = 1) -> float:
    """Seconds between monitor-status reads outside windows: ``statusInterval`` when the drill
    sets it, else the DNS poll cadence; never faster than the ARM budget's refill allows for
    reads of ``gets_per_read`` GETs each (the profiles of the tree)."""
    explicit = observe.status_interval
    base = float(explicit if explicit is not None else observe.poll_interval)
    return max(base, max(gets_per_read, 1) / arm_read_rate())


def fast_status_interval(observe: Observe, gets_per_read: int = 1) -> float:
    """Seconds between monitor-status reads while a change is expected: ``fast_interval``, but
    never more than twice the budget's refill in GETs (paid from the burst); the slow interval
    when adaptive sampling is off (``fastInterval`` not below ``pollInterval``)."""
    status = status_interval(observe, gets_per_read)
    fast = fast_interval(observe)
    if fast >= float(observe.poll_interval):
        return status
    return min(status, max(fast, max(gets_per_read, 1) / (2 * arm_read_rate())))


def status_cadence(
    observe: Observe,
    windows: Sequence[tuple[float, float]],
    gets_per_read: int = 1,
    gets_per_fast_read: int | None = None,
) -> Cadence:
    """The monitor-status cadence, counted in ARM GETs: a slow read costs ``gets_per_read``
    (the whole tree), a fast one ``gets_per_fast_read`` (the profiles that decide detection;
    the whole tree when None)."""
    gets = max(gets_per_read, 1)
    fast_gets = gets if gets_per_fast_read is None else max(gets_per_fast_read, 1)
    return Cadence(
        status_interval(observe, gets),
        fast_status_interval(observe, fast_gets),
        arm_read_rate(),
        windows,
        burst=ARM_READ_BUCKET * ARM_SHARE,
        fast_cost=float(fast_gets),
        slow_cost=float(gets),
    )


def design_detection_profiles(
    design: DesignProfile, target: str, ingresses: Mapping[str, str | Sequence[str]]
) -> tuple[str, ...]:
    """The profiles of a design read whose endpoints decide detection (those holding an
    endpoint of the target region), as :func:`detection_profiles` finds them in a read."""
    pairs = (
        (profile.name, region_of_answer([endpoint.target], ingresses))
        for profile, endpoint in leaves(design)
    )
    return detection_profiles(pairs, target)


def detection_profiles(endpoints: Iterable[tuple[str, str | None]], target: str) -> tuple[str, ...]:
    """The profiles whose endpoints decide detection: those holding an endpoint of the target
    region, from ``(profile, region)`` pairs of a read of the whole tree (sorted)."""
    return tuple(sorted({profile for profile, region in endpoints if region == target}))


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

    def take(self, now: float, cost: float = 1.0, keep: float = 0.0) -> bool:
        """Spend ``cost`` tokens at ``now`` (monotonic seconds) if ``keep`` would remain."""
        self.tokens = self.peek(now)
        self.last = now
        if self.tokens - cost >= keep:
            self.tokens -= cost
            return True
        return False

    def peek(self, now: float) -> float:
        """The tokens there would be at ``now``."""
        if self.last is None:
            return self.tokens
        return min(self.capacity, self.tokens + max(0.0, now - self.last) * self.rate)

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
    fast_cost: float = 1.0
    """Tokens a fast sample costs (ARM GETs of a read of the profiles that decide detection)."""
    slow_cost: float = 1.0
    """Tokens a sample at the slow cadence costs (ARM GETs of a read of the whole tree)."""
    reserve_s: float = 0.0
    """Seconds of fast sampling kept in the bucket for a change that is pending: a sample that
    is fast only because it falls in a predicted window spends only above this reserve, so a
    long window never leaves nothing for the change itself."""
    bucket: TokenBucket = field(init=False)
    fast_samples: int = 0
    window_samples: int = 0
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

    @property
    def reserve(self) -> float:
        fast = self.fast_s < self.poll_s
        return self.reserve_s / self.fast_s * self.fast_cost if fast else 0.0

    @property
    def floor(self) -> float:
        """Tokens a fast sample leaves in a strict bucket: one, so that the average holds
        counted from the first question to the last (a slow sample may still be paid on
        credit, and the last one asked is often slow)."""
        return 1.0 if self.burst is None else 0.0

    def next_interval(self, now: float, since_fault: float | None, pending: bool) -> float:
        """The interval to the next sample, spending its tokens (``fast_cost`` for a fast one,
        else ``slow_cost``): the next sample is fast when the interval is ``fast_s``."""
        self.samples += 1
        if self.fast_s < self.poll_s:
            cost = self.fast_cost
            if pending and self.bucket.take(now, cost, keep=self.floor):
                self.fast_samples += 1
                return self.fast_s
            window = not pending and self.in_window(since_fault)
            if window and self.bucket.take(now, cost, keep=self.floor + self.reserve):
                self.fast_samples += 1
                self.window_samples += 1
                return self.fast_s
        self.bucket.charge(now, self.slow_cost)
        return self.poll_s

    def hurry(self, now: float, since_fault: float | None, pending: bool) -> bool:
        """Whether a sample due at the slow cadence should come sooner: a change has just
        become pending, or a window has just opened, and the budget allows a fast sample."""
        if self.fast_s >= self.poll_s:
            return False
        if pending:
            return self.bucket.peek(now) - self.fast_cost >= self.floor
        spare = self.bucket.peek(now) - self.fast_cost - self.floor
        return self.in_window(since_fault) and spare >= self.reserve

    def opens_in(self, since_fault: float | None) -> float | None:
        """Seconds until the next window opens (with its margin), None when none is ahead."""
        if since_fault is None:
            return None
        starts = [lo - self.poll_s - since_fault for lo, _ in self.windows]
        ahead = [s for s in starts if s > 0]
        return min(ahead) if ahead else None


@dataclass(frozen=True, slots=True)
class Windows:
    """Predicted windows in measured seconds after the target stopped serving: when to read
    monitor status fast (detection) and when to ask DNS fast (the flip)."""

    detection: tuple[tuple[float, float], ...] = ()
    flip: tuple[tuple[float, float], ...] = ()
    from_target_down: bool = True
    """Count from the target's first failing HTTP check after the fault (the prediction's time
    0); False, or no HTTP check, counts from the fault's injection."""


def sampling_windows(prediction: Prediction, time_scale: float, fault: str) -> Windows:
    """A prediction's real-world windows in measured seconds (x ``time_scale``). They count
    from the target's first failing check, except for a disable-endpoint fault, which is a
    configuration change that its own write starts (its target keeps serving)."""

    def scaled(window: Window) -> tuple[tuple[float, float], ...]:
        return ((window.earliest_s * time_scale, window.latest_s * time_scale),)

    return Windows(
        scaled(prediction.detection),
        scaled(prediction.dns_flip),
        from_target_down=fault != "disable-endpoint",
    )


def arm_get_rate(observe: Observe, gets_per_read: int = 1) -> float:
    """ARM GETs per second outside windows: the GETs of one read over the status interval."""
    gets = max(gets_per_read, 1)
    return gets / status_interval(observe, gets)


def budget_lines(
    observe: Observe, servers: int, profiles: int | None = None, watched: int | None = None
) -> tuple[str, ...]:
    """What ``plan`` shows: the ARM and DNS budgets of this drill. ``profiles``: the profiles
    of the tree (each status read is one GET per profile), None when not read (offline);
    ``watched``: the profiles holding the target's endpoints (read alone while detection is
    expected), None when not known."""
    gets = profiles or 1
    status = status_interval(observe, gets)
    fast_status = fast_status_interval(observe, watched or gets)
    if profiles is None:
        reads = (
            f"one ARM GET per profile of the tree per read: {arm_get_rate(observe):.2g} GETs/s "
            "for a single profile; a nested tree is read less often to stay within the budget, "
            "and `plan --inspect` counts its profiles"
        )
    else:
        reads = (
            f"{gets} ARM GET{'s' if gets > 1 else ''} per read, one per profile of the tree: "
            f"{arm_get_rate(observe, gets):.2g} ARM GETs/s"
        )
    if fast_status < status:
        reads += f"; every {fast_status:g}s from the burst while a change is expected"
        if watched is not None and profiles is not None and watched < profiles:
            reads += (
                f" ({watched} GET{'s' if watched > 1 else ''} each: only the profiles holding "
                "the target's endpoints)"
            )
    poll, fast = float(observe.poll_interval), fast_interval(observe)
    budget = observe.query_budget
    vantage = len(observe.vantage_points)
    if fast >= poll:
        fast_text = "no fast sampling: fastInterval is not below pollInterval"
    elif 1 / poll >= budget:
        fast_text = "no fast sampling: the query budget is spent by the poll cadence"
    else:
        fast_text = f"every {fast:g}s while a change is expected"
    return (
        f"monitor status every {status:g}s ({reads}; budget {arm_read_rate():g} GETs/s and a "
        f"burst of {ARM_READ_BUCKET * ARM_SHARE:g}: a {ARM_SHARE:.0%} share of ARM's "
        f"subscription read bucket of {ARM_READ_BUCKET:g}, refilled at "
        f"{ARM_READ_REFILL_PER_S:g}/s)",
        f"DNS every {poll:g}s, {fast_text}; at most {budget:g} questions/s on average per "
        f"vantage point and name server ({vantage} vantage points x {servers or 'all'} name "
        "servers)"
        + (f"; pollInterval alone already asks {1 / poll:g}/s" if 1 / poll > budget else ""),
    )
