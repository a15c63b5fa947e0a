"""The drill lock: a coordination.k8s.io Lease in every involved cluster, taken in a fixed
order, renewed in the background, and taken over only after it expired."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from drillkit.adapters.ports import Clock, Leases, LeaseState
from drillkit.core.leasewatch import LeaseSighting, expired, expires_in, observe
from drillkit.core.plan import LEASE_NAME, LEASE_NAMESPACE
from drillkit.errors import AdapterError, PreflightRefused

log = structlog.get_logger()
LEASE_SECONDS = 15


def _sighting(
    lease: LeaseState | None, previous: LeaseSighting | None, now: float
) -> LeaseSighting:
    """The Lease as our monotonic clock has watched it (its renewTime compared as read)."""
    if lease is None:
        return observe(previous, None, None, 0, now)
    renewed = None if lease.renew_time is None else repr(lease.renew_time)
    return observe(previous, lease.holder, renewed, lease.duration_s, now)


@dataclass
class DrillLock:
    """Leases named ``LEASE_NAME`` in ``LEASE_NAMESPACE`` of each region, sorted by region."""

    clusters: Mapping[str, Leases]
    """Each region's leases: the lock needs nothing else of a cluster."""
    holder: str
    clock: Clock
    duration_s: int = LEASE_SECONDS
    namespace: str = LEASE_NAMESPACE
    name: str = LEASE_NAME
    lost: threading.Event = field(default_factory=threading.Event)
    lost_reason: str = ""
    _seen: dict[str, LeaseSighting] = field(default_factory=dict)
    """Each region's Lease as last read, and our monotonic time when it last changed."""
    _held: dict[str, LeaseState] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def check_free(self) -> None:
        """Refuse when another holder keeps any of the leases alive. Another holder's Lease is
        expired only once its record stayed unchanged for ``leaseDurationSeconds`` of our own
        monotonic time (client-go's rule), so a lease seen held is watched that long; its
        ``renewTime`` is never compared with our clock."""
        for region in sorted(self.clusters):
            other = self._other_holder(region)
            if other is not None:
                raise PreflightRefused(self._busy(region, other))

    def _other_holder(self, region: str) -> str | None:
        """Another run that keeps this region's Lease alive, else None: watched until its
        record changes (alive) or stays unchanged for its duration (expired)."""
        watching = False
        while True:
            lease = self.clusters[region].get_lease(self.namespace, self.name)
            now = self.clock.monotonic()
            seen = self._seen[region] = _sighting(lease, self._seen.get(region), now)
            if seen.holder is None or seen.holder == self.holder or expired(seen, now):
                return None
            if watching and seen.changed_at == now:
                return seen.holder  # renewed while we watched: alive
            watching = True
            self.clock.sleep(max(min(1.0, expires_in(seen, now)), 0.05))

    def _busy(self, region: str, other: str) -> str:
        return (
            f"another drill ({other}) holds the lock in region {region} and keeps renewing it; "
            f"nothing was changed: wait for it to finish, or check Lease "
            f"{self.namespace}/{self.name}"
        )

    def acquire(self) -> None:
        """Take every lease in region order, or release what was taken and refuse."""
        try:
            for region in sorted(self.clusters):
                self._held[region] = self._take(region)
        except BaseException:
            self.release()
            raise
        self._thread = threading.Thread(target=self._renew_loop, name="drill-lock", daemon=True)
        self._thread.start()

    def _take(self, region: str) -> LeaseState:
        cluster = self.clusters[region]
        other = self._other_holder(region)
        if other is not None:
            raise PreflightRefused(self._busy(region, other))
        now = self.clock.wall()
        current = cluster.get_lease(self.namespace, self.name)
        base = current or LeaseState(self.name, self.namespace, None, None, self.duration_s)
        base = LeaseState(
            base.name,
            base.namespace,
            base.holder,
            base.renew_time,
            self.duration_s,
            base.resource_version,
        )
        try:
            return cluster.put_lease(base, self.holder, now)
        except AdapterError as e:
            if e.status == 409:
                raise PreflightRefused(
                    f"another drill took the lock in region {region} at the same moment; "
                    "nothing was changed: try again later"
                ) from e
            raise PreflightRefused(
                f"cannot take the drill lock in region {region} ({e}); nothing was changed"
            ) from e

    def _renew_loop(self) -> None:
        """Renew every third of the lease; a lease taken by another holder (409), or one that
        could not be renewed for longer than its duration, is lost: the drill aborts."""
        interval = max(self.duration_s / 3, 0.5)
        renewed = dict.fromkeys(self._held, self.clock.monotonic())
        while not self._stop.wait(interval):
            for region in sorted(self._held):
                try:
                    self._held[region] = self.clusters[region].put_lease(
                        self._held[region], self.holder, self.clock.wall()
                    )
                    renewed[region] = self.clock.monotonic()
                except AdapterError as e:
                    log.warning("drill.lock.renew_failed", region=region, error=str(e))
                    if e.status == 409:
                        self._lose(f"another process took the drill lock in region {region}")
                    elif self.clock.monotonic() - renewed[region] > self.duration_s:
                        self._lose(
                            f"the drill lock in region {region} could not be renewed for longer "
                            f"than its lease ({self.duration_s}s): {e}"
                        )

    def _lose(self, reason: str) -> None:
        if not self.lost.is_set():
            self.lost_reason = reason
            self.lost.set()

    def release(self) -> None:
        """Stop renewing and delete the leases this run holds (best effort)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for region in sorted(self._held, reverse=True):
            try:
                self.clusters[region].delete_lease(self.namespace, self.name, self.holder)
            except AdapterError as e:
                log.warning("drill.lock.release_failed", region=region, error=str(e))
        self._held.clear()
