"""Lease expiry by client-go's rule: a holder's Lease expires only after its record stayed
unchanged for leaseDurationSeconds of our own monotonic time, whatever the clocks say."""

from __future__ import annotations

from drillkit.core.leasewatch import expired, expires_in, observe

DURATION = 15.0


def test_a_renewing_holder_never_expires_even_with_a_skewed_clock() -> None:
    """Problem 12: a holder whose renewTime is an hour behind our clock (skew) but still changes
    is never expired ("isLeaseValid ... le.observedTime.Add(time.Second *
    time.Duration(le.observedRecord.LeaseDurationSeconds)).After(now)",
    https://github.com/kubernetes/client-go/blob/master/tools/leaderelection/leaderelection.go)."""
    seen = observe(None, "run-a", "2026-11-30T20:00:00.000000Z", DURATION, now=100.0)
    for step in range(1, 10):
        renew = f"2026-11-30T20:00:{step * 10:02d}.000000Z"
        seen = observe(seen, "run-a", renew, DURATION, now=100.0 + step * 10)
        assert not expired(seen, 100.0 + step * 10)


def test_an_unchanged_record_expires_after_the_duration_of_our_time() -> None:
    """A record unchanged for 15 s of our monotonic time is expired; at 14.9 s it is not."""
    seen = observe(None, "run-a", "2026-11-30T21:00:00Z", DURATION, now=50.0)
    seen = observe(seen, "run-a", "2026-11-30T21:00:00Z", DURATION, now=64.9)
    assert not expired(seen, 64.9) and round(expires_in(seen, 64.9), 3) == 0.1
    assert expired(seen, 65.0)


def test_a_fresh_sighting_is_not_expired_however_old_its_renew_time() -> None:
    """The first sighting of a lease last renewed long ago (by its own clock) still gets a full
    duration: our clock and theirs are never compared."""
    seen = observe(None, "run-a", "2020-01-01T00:00:00Z", DURATION, now=1000.0)
    assert not expired(seen, 1000.0) and expired(seen, 1015.0)


def test_a_lease_without_holder_is_free() -> None:
    """A released lease (no holder) can be taken at once."""
    assert expired(observe(None, None, None, DURATION, now=0.0), 0.0)
