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


def _held_by(world: FakeWorld, holder: str, renewed: float, region: str = "eu") -> None:
    key = f"{LEASE_NAMESPACE}/{LEASE_NAME}"
    world.clusters[region].leases[key] = LeaseState(
        LEASE_NAME, LEASE_NAMESPACE, holder, renewed, 15, "7"
    )


def test_a_live_lease_refuses_a_second_drill(world: FakeWorld) -> None:
    """A lease renewed within its duration by another run refuses ours."""
    _held_by(world, "other-run", time.time(), region="us")
    lock = DrillLock(world.clusters, "my-run", SystemClock())  # type: ignore[arg-type]
    with pytest.raises(PreflightRefused, match="another drill \\(other-run\\) holds the lock"):
        lock.acquire()
    assert [c for c in world.clusters["eu"].calls if c[0] == "delete_lease"] == [
        ("delete_lease", "my-run")
    ]  # the lease taken first (eu, in region order) was given back
    assert world.clusters["us"].leases[f"{LEASE_NAMESPACE}/{LEASE_NAME}"].holder == "other-run"


def test_an_expired_lease_is_taken_over(world: FakeWorld) -> None:
    """A lease not renewed for longer than its duration is taken over."""
    _held_by(world, "crashed-run", time.time() - 60)
    lock = DrillLock(world.clusters, "my-run", SystemClock())  # type: ignore[arg-type]
    lock.acquire()
    try:
        assert world.clusters["eu"].leases[f"{LEASE_NAMESPACE}/{LEASE_NAME}"].holder == "my-run"
    finally:
        lock.release()
    assert f"{LEASE_NAMESPACE}/{LEASE_NAME}" not in world.clusters["eu"].leases


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
