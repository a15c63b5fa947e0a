"""The drill lock (Leases) and signal handling."""

from __future__ import annotations

import os
import signal
import time

import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import LeaseState
from drillkit.core.plan import LEASE_NAME, LEASE_NAMESPACE
from drillkit.engine.lock import DrillLock
from drillkit.engine.signals import Interrupted, interrupts
from drillkit.errors import PreflightRefused
from tests.engine.fakes import FakeWorld

KEY = f"{LEASE_NAMESPACE}/{LEASE_NAME}"


def _held_by(world: FakeWorld, holder: str, renewed: float, region: str = "eu") -> None:
    world.clusters[region].leases[KEY] = LeaseState(
        LEASE_NAME, LEASE_NAMESPACE, holder, renewed, 15, "7"
    )


class StepClock(SystemClock):
    """Monotonic time that moves only when the lock sleeps (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


class RenewingClock(StepClock):
    """A StepClock during whose every sleep another run renews its lease in one region."""

    def __init__(self, world: FakeWorld, holder: str, renewed: float, region: str) -> None:
        super().__init__()
        self.world, self.holder, self.renewed, self.region = world, holder, renewed, region

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.renewed += 5.0
        _held_by(self.world, self.holder, self.renewed, self.region)


def test_a_renewing_holder_with_a_skewed_clock_keeps_the_lock(world: FakeWorld) -> None:
    """Problem 12: a holder whose clock runs an hour behind ours (renewTime an hour old) but
    keeps renewing is alive: round 1 compared renewTime with our wall clock and took its lock
    over. client-go: "isLeaseValid ... le.observedTime.Add(time.Second *
    time.Duration(le.observedRecord.LeaseDurationSeconds)).After(now)"
    (https://github.com/kubernetes/client-go/blob/master/tools/leaderelection/leaderelection.go)."""
    skewed = time.time() - 3600
    _held_by(world, "other-run", skewed)
    clock = RenewingClock(world, "other-run", skewed, "eu")
    lock = DrillLock(world.clusters, "my-run", clock)  # type: ignore[arg-type]
    with pytest.raises(PreflightRefused, match="other-run"):
        lock.check_free()
    assert world.clusters["eu"].leases[KEY].holder == "other-run"


def test_a_live_lease_refuses_a_second_drill(world: FakeWorld) -> None:
    """A lease that another run keeps renewing refuses ours."""
    _held_by(world, "other-run", time.time(), region="us")
    clock = RenewingClock(world, "other-run", time.time(), "us")
    lock = DrillLock(world.clusters, "my-run", clock)  # type: ignore[arg-type]
    with pytest.raises(PreflightRefused, match=r"another drill \(other-run\) holds the lock"):
        lock.acquire()
    assert [c for c in world.clusters["eu"].calls if c[0] == "delete_lease"] == [
        ("delete_lease", "my-run")
    ]  # the lease taken first (eu, in region order) was given back
    assert world.clusters["us"].leases[KEY].holder == "other-run"


def test_an_expired_lease_is_taken_over(world: FakeWorld) -> None:
    """A lease whose record stays unchanged for its whole duration of our own monotonic time
    is taken over (client-go's rule), after watching it that long."""
    _held_by(world, "crashed-run", time.time() - 60)
    clock = StepClock()
    lock = DrillLock(world.clusters, "my-run", clock)  # type: ignore[arg-type]
    lock.acquire()
    assert 15.0 <= clock.slept < 16.5
    try:
        assert world.clusters["eu"].leases[KEY].holder == "my-run"
    finally:
        lock.release()
    assert KEY not in world.clusters["eu"].leases


def test_leases_are_taken_in_region_order_and_renewed(world: FakeWorld) -> None:
    """Leases are taken eu before us (sorted), then renewed in the background."""
    lock = DrillLock(world.clusters, "my-run", SystemClock(), duration_s=1)  # type: ignore[arg-type]
    lock.acquire()
    try:
        time.sleep(1.2)
    finally:
        lock.release()
    eu_puts = [c for c in world.clusters["eu"].calls if c[0] == "put_lease"]
    assert len(eu_puts) >= 2


def test_sigterm_raises_interrupted() -> None:
    """SIGTERM inside the block raises Interrupted naming the signal."""
    with pytest.raises(Interrupted, match="SIGTERM"), interrupts():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)


def test_a_shielded_signal_is_remembered_not_raised() -> None:
    """While restore runs (shielded), SIGINT is only recorded."""
    with interrupts() as state, state.shield():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    assert state.received == "SIGINT"
