"""The real prober: HTTP, HTTPS and TCP probes per monitorConfig, on the scaled interval.

Sandbox target names resolve to their region's loopback address; any target outside 127.0.0.0/8
fails without a packet being sent.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import random
import socket
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.state import Endpoint, Profile, ProfileKey, Store, endpoint_key

EpKey = tuple[ProfileKey, str]


@dataclass(frozen=True)
class ProbeSpec:
    """Everything that decides how one endpoint is probed."""

    target: str
    protocol: str
    port: int
    path: str
    interval: float
    timeout: float
    tolerated: int
    ranges: tuple[tuple[int, int], ...]
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProbeTiming:
    """When a probe was due, when its result was applied (loop time), and the result."""

    endpoint: EpKey
    scheduled: float
    applied: float
    success: bool


def spec_for(profile: Profile, endpoint: Endpoint, time_scale: float) -> ProbeSpec:
    """The probe of ``endpoint`` with its timings already scaled."""
    mon = profile.monitor
    headers: dict[str, tuple[str, str]] = {}
    for header in [
        *(mon.get("customHeaders") or []),
        *(endpoint.properties.get("customHeaders") or []),
    ]:
        headers[str(header["name"]).lower()] = (str(header["name"]), str(header["value"]))
    ranges = tuple(
        (int(r["min"]), int(r["max"])) for r in mon.get("expectedStatusCodeRanges") or []
    )
    return ProbeSpec(
        target=str(endpoint.target),
        protocol=str(mon.get("protocol", "HTTP")).upper(),
        port=int(mon.get("port", 80)),
        path=str(mon.get("path") or "/"),
        interval=float(mon.get("intervalInSeconds", 30)) * time_scale,
        timeout=float(mon.get("timeoutInSeconds", 10)) * time_scale,
        tolerated=int(mon.get("toleratedNumberOfFailures", 3)),
        # "a 200-OK response, or any of the responses configured in the Expected status code
        # ranges" (monitoring docs): 200 always counts.
        ranges=((200, 200), *ranges),
        headers=tuple(headers.values()),
    )


class SandboxResolver(AbstractResolver):
    """Resolves only the sandbox's ingress names, to their loopback addresses."""

    def __init__(self, hosts: dict[str, str]) -> None:
        self.hosts = {h.lower().rstrip("."): a for h, a in hosts.items()}

    def address(self, host: str) -> str:
        """The loopback address of ``host`` (an ingress name or a loopback literal)."""
        name = host.lower().rstrip(".")
        address = self.hosts.get(name, name)
        try:
            if ipaddress.ip_address(address).is_loopback:
                return address
        except ValueError:
            pass
        raise OSError(f"{host} is not a sandbox name; the twin only probes loopback targets")

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.address(host)
        fam = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [ResolveResult(hostname=host, host=address, port=port, family=fam, proto=0, flags=0)]

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class Agents:
    """How many probe agents watch each endpoint, and how loosely they keep time.

    Each agent has its own phase (uniform over one interval) and sleeps ``interval x (1 +
    uniform(-jitter, +jitter))`` between probes; its own consecutive-failure count decides its
    view, and the endpoint's status aggregates the views (:func:`monitor.aggregate`).
    """

    count: int = 1
    jitter: float = 0.0
    spread_phase: bool = False


class _Watch:
    """One probed endpoint: its spec, one counter and one task per agent."""

    def __init__(self, spec: ProbeSpec, count: int) -> None:
        self.spec = spec
        self.counters = [monitor.ProbeCounter(spec.tolerated) for _ in range(count)]
        self.tasks: list[asyncio.Task[None]] = []

    def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = []


class Prober:
    """Probe agents per endpoint (one task each), reconciled whenever the store changes."""

    def __init__(
        self,
        store: Store,
        *,
        time_scale: float,
        hosts: dict[str, str],
        agents: Agents | None = None,
        rng: random.Random | None = None,
        faults: FaultInjector | None = None,
    ) -> None:
        self.store = store
        self.faults = faults
        self.time_scale = time_scale
        self.resolver = SandboxResolver(hosts)
        self.agents = agents or Agents()
        self.rng = rng or random.Random()
        self.timings: collections.deque[ProbeTiming] = collections.deque(maxlen=10000)
        self._watches: dict[EpKey, _Watch] = {}
        self._session: aiohttp.ClientSession | None = None
        self._pending = False

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(resolver=self.resolver, force_close=True, ssl=False)
        self._session = aiohttp.ClientSession(connector=connector)
        self.store.subscribe(self._schedule)
        self.reconcile()

    async def stop(self) -> None:
        tasks = [task for watch in self._watches.values() for task in watch.tasks]
        for watch in self._watches.values():
            watch.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watches.clear()
        if self._session is not None:
            await self._session.close()

    def _schedule(self) -> None:
        # Store changes arrive in bursts (every probe result is one); reconcile once per burst.
        if not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_soon(self.reconcile)

    def reconcile(self) -> None:
        """Start, retune or stop probe agents to match the profiles.

        A new, re-enabled or re-targeted endpoint starts over from CheckingEndpoint. A changed
        monitorConfig only retunes the agents: the endpoint keeps its status and failure counts
        (CheckingEndpoint "usually occurs immediately after adding or enabling an endpoint"),
        and the agents stay apart, each on a phase of its own again.
        """
        self._pending = False
        wanted: dict[EpKey, ProbeSpec] = {}
        for profile in self.store.profiles.values():
            for endpoint in profile.endpoints:
                if monitor.probes(profile, endpoint):
                    wanted[endpoint_key(profile, endpoint)] = spec_for(
                        profile, endpoint, self.time_scale
                    )
        reset = False
        for key in list(self._watches):
            watch = self._watches[key]
            spec = wanted.get(key)
            if spec == watch.spec:
                continue
            watch.cancel()
            if spec is None or spec.target != watch.spec.target:
                del self._watches[key]
                reset |= self.store.probe_states.pop(key, None) is not None
            else:
                watch.spec = spec
                for counter in watch.counters:
                    counter.tolerated = spec.tolerated
                self._start(key, watch)
        for key, spec in wanted.items():
            if key not in self._watches:
                self._watches[key] = watch = _Watch(spec, max(1, self.agents.count))
                self._start(key, watch)
        if reset:
            self.store.changed()

    def _start(self, key: EpKey, watch: _Watch) -> None:
        """One task per agent: the first probes at once, the others on a random phase within
        the interval (a retune too: agents probing in lockstep would hide the spread)."""
        for index in range(len(watch.counters)):
            phase = 0.0
            if self.agents.spread_phase and index:
                phase = self.rng.uniform(0, watch.spec.interval)
            watch.tasks.append(asyncio.create_task(self._run(key, watch, index, phase)))

    async def _run(self, key: EpKey, watch: _Watch, index: int, phase: float) -> None:
        loop = asyncio.get_running_loop()
        spec, counter = watch.spec, watch.counters[index]
        due = loop.time() + phase
        await asyncio.sleep(phase)
        while self._watches.get(key) is watch and watch.spec is spec:
            success = await self.probe(spec)
            counter.record(success)
            self.store.set_probe_state(key, monitor.aggregate([c.state for c in watch.counters]))
            self.timings.append(ProbeTiming(key, due, loop.time(), success))
            jitter = self.rng.uniform(-self.agents.jitter, self.agents.jitter)
            due += spec.interval * (1 + jitter)
            # A probe that overran its slot does not cause a burst of catch-up probes.
            due = max(due, loop.time())
            await asyncio.sleep(due - loop.time())

    async def probe(self, spec: ProbeSpec) -> bool:
        """One probe: True when it succeeds (an injected prober fault fails it)."""
        if self.faults is not None:
            await asyncio.sleep(self.faults.delay())
            if self.faults.fails():
                return False
        try:
            if spec.protocol == "TCP":
                return await self._tcp(spec)
            return await self._http(spec)
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
            return False

    async def _tcp(self, spec: ProbeSpec) -> bool:
        address = self.resolver.address(spec.target)
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(address, spec.port), spec.timeout
        )
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        return True

    async def _http(self, spec: ProbeSpec) -> bool:
        assert self._session is not None
        self.resolver.address(spec.target)  # refuse non-loopback IP literals before connecting
        host = f"[{spec.target}]" if ":" in spec.target else spec.target
        url = f"{spec.protocol.lower()}://{host}:{spec.port}{spec.path}"
        headers: dict[str, Any] = dict(spec.headers)
        timeout = aiohttp.ClientTimeout(total=spec.timeout)
        async with self._session.get(
            url, headers=headers, allow_redirects=False, timeout=timeout
        ) as response:
            return any(low <= response.status <= high for low, high in spec.ranges)
