"""When another holder's Lease counts as expired: client-go's leader-election rule, on our own
monotonic clock, so that neither clock skew with the holder nor an NTP step here matters.

client-go (tools/leaderelection/leaderelection.go) stamps ``observedTime`` with its own clock
whenever the record it reads changes, and ``isLeaseValid`` answers
``le.observedTime.Add(time.Second * time.Duration(le.observedRecord.LeaseDurationSeconds))
.After(now)``: the remote ``renewTime`` is never compared with the local clock."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LeaseSighting:
    """The last Lease record we saw and our monotonic time when it last changed."""

    holder: str | None
    renew_time: str | None
    duration_s: float
    changed_at: float


def observe(
    previous: LeaseSighting | None,
    holder: str | None,
    renew_time: str | None,
    duration_s: float,
    now: float,
) -> LeaseSighting:
    """The sighting after reading the Lease at monotonic time ``now``: a changed record (holder
    or renewTime, compared as read) restarts the count."""
    if previous is not None and (previous.holder, previous.renew_time) == (holder, renew_time):
        return LeaseSighting(holder, renew_time, duration_s, previous.changed_at)
    return LeaseSighting(holder, renew_time, duration_s, now)


def expired(sighting: LeaseSighting, now: float) -> bool:
    """No holder, or the record has not changed for ``leaseDurationSeconds`` of our time."""
    if not sighting.holder:
        return True
    return now >= sighting.changed_at + sighting.duration_s


def expires_in(sighting: LeaseSighting, now: float) -> float:
    """Seconds of our monotonic time until the sighting expires (0 when it has)."""
    if not sighting.holder:
        return 0.0
    return max(0.0, sighting.changed_at + sighting.duration_s - now)
