"""The twin's authoritative name servers: each serves its own copy of the control plane's
state, and applies every change after its own propagation delay (drillkit.sandbox.realism).

Changes reach a server in the order they were made: a later change never overtakes an earlier
one on the same server, even when its own delay is shorter.
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
from collections.abc import Callable, Mapping

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.realism import NameServer, Propagation
from drillkit.sandbox.tm.dns import DnsServer
from drillkit.sandbox.tm.dns_answer import Responder
from drillkit.sandbox.tm.state import Profile, ProfileKey, Store

ResponderFactory = Callable[[Store], Responder]
Profiles = dict[ProfileKey, Profile]
ProbeStates = dict[tuple[ProfileKey, str], str]


class Replica:
    """One name server: its own store, responder and UDP/TCP listener."""

    def __init__(
        self, server: NameServer, responder: Responder, faults: FaultInjector | None = None
    ) -> None:
        self.server = server
        self.store = responder.store
        self.responder = responder
        self.dns = DnsServer(responder, server.address, faults=faults)
        self.next_at = 0.0  # loop time of the last scheduled change
        self.decided_at: float | None = None  # Unix time of the change it serves
        self.serial = 0  # the control plane's change number it serves

    def apply(
        self, serial: int, profiles: Profiles, probe_states: ProbeStates, decided: float
    ) -> None:
        """Serve the control plane's state as it was at ``decided`` (never an older one)."""
        if serial <= self.serial:
            return
        self.serial = serial
        self.store.profiles = profiles
        self.store.probe_states = probe_states
        self.decided_at = decided
        self.store.changed()


class NameServers:
    """Every name server of the twin, fed from the control plane's store."""

    def __init__(
        self,
        master: Store,
        servers: list[NameServer],
        responder_for: ResponderFactory,
        *,
        propagation: Propagation,
        time_scale: float,
        rng: random.Random | None = None,
        faults: Mapping[str, FaultInjector] | None = None,
    ) -> None:
        self.master = master
        knobs = faults or {}
        self.replicas = [
            Replica(s, responder_for(Store()), knobs.get(f"dns:{s.name}")) for s in servers
        ]
        self.low = float(propagation.min_delay) * time_scale
        self.high = float(propagation.max_delay) * time_scale
        self.rng = rng or random.Random()
        self.port = 0
        self.serial = 0
        self._pending: list[asyncio.TimerHandle] = []

    @property
    def primary(self) -> Replica:
        return self.replicas[0]

    def sync(self) -> None:
        """Copy the current state to every server at once (start-up), then follow changes."""
        self._publish(immediate=True)
        self.master.subscribe(self._publish)

    def _publish(self, immediate: bool = False) -> None:
        profiles = copy.deepcopy(self.master.profiles)
        states = dict(self.master.probe_states)
        decided = time.time()
        self.serial += 1
        if immediate or self.high <= 0:
            for replica in self.replicas:
                replica.apply(self.serial, dict(profiles), dict(states), decided)
            return
        loop = asyncio.get_running_loop()
        self._pending = [h for h in self._pending if not h.cancelled() and h.when() > loop.time()]
        for replica in self.replicas:
            # Strictly after the previous change: timers due at the same instant may run in
            # any order, and a server never goes back to an older state.
            at = max(replica.next_at + 1e-6, loop.time() + self.rng.uniform(self.low, self.high))
            replica.next_at = at
            self._pending.append(
                loop.call_at(at, replica.apply, self.serial, dict(profiles), dict(states), decided)
            )

    async def start(self) -> None:
        """Bind every server on its own address, all on one port (retried until one is free)."""
        for _ in range(20):
            self.port = 0
            try:
                for replica in self.replicas:
                    replica.dns.port = self.port
                    await replica.dns.start()
                    self.port = replica.dns.port
                return
            except OSError:
                await self.stop()
        raise OSError("no port free for the DNS twin on every name-server address")

    async def stop(self) -> None:
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        for replica in self.replicas:
            await replica.dns.stop()
