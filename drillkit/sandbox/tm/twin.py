"""The Traffic Manager twin as one component: ARM, prober, ingress, DNS and admin from a world.

``await twin.start()`` binds everything on loopback; ``twin.world_keys()`` is what it adds to
world.json; ``await twin.stop()`` closes every socket and task.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.tls import Authority
from drillkit.sandbox.tm.admin import admin_app
from drillkit.sandbox.tm.arm import ArmTwin, Middleware
from drillkit.sandbox.tm.dns_answer import GeoEntry, Locator, Responder
from drillkit.sandbox.tm.events import GroundTruth, Vantage
from drillkit.sandbox.tm.ingress import HealthSource, RegionIngress
from drillkit.sandbox.tm.nameservers import NameServers
from drillkit.sandbox.tm.prober import Agents, Prober
from drillkit.sandbox.tm.seed import profile_body, top_profile
from drillkit.sandbox.tm.state import DNS_ZONE, Store
from drillkit.sandbox.tm.tls import make_server_tls
from drillkit.sandbox.world import World, check_ttls

LOOPBACK = "127.0.0.1"


class TrafficManagerTwin:
    """Everything Traffic Manager in one start/stop unit over a shared :class:`Store`."""

    def __init__(
        self,
        world: World,
        *,
        state_dir: Path,
        health: HealthSource,
        faults: Mapping[str, FaultInjector] | None = None,
        shared_faults: Sequence[FaultInjector] = (),
        arm_middlewares: Sequence[Middleware] = (),
        tls: bool = True,
        token: str | None = None,
        page_size: int = 100,
        authority: Authority | None = None,
        ca_file: Path | None = None,
    ) -> None:
        check_ttls(world)  # a world built with model_copy skipped its validators
        self.world = world
        self.state_dir = state_dir
        self.tls = tls
        self.token = token or secrets.token_urlsafe(24)
        self.admin_token = secrets.token_urlsafe(24)
        realism = world.traffic_manager.realism
        # Per-component fault knobs: kube:<region> and arm come from the sandbox; the DNS
        # servers, the ingresses and the prober are the twin's own.
        self.faults: dict[str, FaultInjector] = dict(faults or {})
        self.shared_faults = list(shared_faults)
        for name in (
            *(f"dns:{s.name}" for s in realism.name_servers),
            *(f"ingress:{region}" for region in world.regions),
            "prober",
        ):
            self.faults.setdefault(name, FaultInjector())
        self.store = Store()
        self.hosts = {r.ingress.host: r.ingress.address for r in world.regions.values()}
        self.arm = ArmTwin(
            self.store,
            self.token,
            page_size=page_size,
            middlewares=arm_middlewares,
        )
        self.ingress = RegionIngress(
            {name: r.ingress.address for name, r in world.regions.items()},
            health,
            health_path=world.traffic_manager.monitor.path,
            faults={r: self.faults[f"ingress:{r}"] for r in world.regions},
        )
        geo = [
            GeoEntry(ipaddress.ip_network(g.subnet, strict=False), g.country.upper(), g.state)
            for g in world.geography
        ]
        locator = Locator(geo)
        self.nameservers = NameServers(
            self.store,
            list(realism.name_servers),
            lambda store: Responder(
                store,
                locator,
                time_scale=world.time_scale,
                hosts=self.hosts,
                latencies=world.latencies,
                nameservers=[(s.name, s.address) for s in realism.name_servers],
            ),
            propagation=realism.propagation,
            time_scale=world.time_scale,
            faults=self.faults,
        )
        # The primary server: the one world.json's dns.host/dns.port name.
        self.responder = self.nameservers.primary.responder
        self.dns = self.nameservers.primary.dns
        agents = Agents(realism.probe_agents, realism.probe_jitter, spread_phase=True)
        self.prober = Prober(
            self.store,
            time_scale=world.time_scale,
            hosts=self.hosts,
            agents=agents,
            faults=self.faults["prober"],
        )
        self.truth = GroundTruth(self.store, [Vantage(g.subnet, g.name) for g in world.geography])
        self.authority = authority
        self.ca_file: Path | None = ca_file
        self.arm_port = 0
        self.admin_port = 0
        self._runners: list[web.AppRunner] = []
        from drillkit.sandbox.data.store import ReplicatedStore

        self.data = ReplicatedStore(
            world.regions, world.data, health, time_scale=world.time_scale,
            emit=self.truth.events.append,
        )  # fmt: skip
        self.ingress.canary = self.data.handle

    async def start(self) -> None:
        """Bind ingress, seed the world's profiles, then start ARM, DNS, admin and the prober."""
        context = None
        if self.tls:
            hosts = tuple(
                name
                for region in self.world.regions.values()
                for name in (region.ingress.host, region.ingress.address)
            )
            context, self.ca_file = make_server_tls(
                self.state_dir, self.authority, self.ca_file, hosts
            )
            self.ingress.ssl_context = context
        await self.ingress.start()
        tm = self.world.traffic_manager
        for profile in tm.profiles:
            body = profile_body(tm, profile, self.ingress.port)
            self.arm.seed_profile(tm.subscription_id, tm.resource_group, profile.name, body)
        self.arm_port = await self._serve(self.arm.app(), context)
        self.admin_port = await self._serve(
            admin_app(self.truth, self.faults, self.admin_token, self.shared_faults), None
        )
        self.truth.follow_statuses()
        for replica in self.nameservers.replicas:
            self.truth.follow_answers(
                replica.responder,
                replica.server.name,
                primary=replica is self.nameservers.primary,
                decided=lambda r=replica: r.decided_at,  # type: ignore[misc]
            )
        self.nameservers.sync()
        await self.nameservers.start()
        await self.prober.start()
        await self.data.start()

    async def _serve(self, app: web.Application, context: Any) -> int:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, LOOPBACK, 0, ssl_context=context).start()
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop probing first, then close every server."""
        await self.prober.stop()
        await self.nameservers.stop()
        for runner in self._runners:
            # Keep-alive TLS connections would wait for the client's close_notify: cut them.
            for handler in list(runner.server.connections if runner.server else []):
                if handler.transport is not None:
                    handler.transport.abort()
            await runner.cleanup()
        self._runners.clear()
        await self.ingress.stop()
        await self.data.stop()
        # TLS transports finish closing (close_notify) on later loop iterations.
        await asyncio.sleep(0.05)

    @property
    def arm_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{LOOPBACK}:{self.arm_port}"

    def world_keys(self) -> dict[str, Any]:
        """The keys this twin contributes to world.json."""
        tm = self.world.traffic_manager
        profile = top_profile(tm)
        traffic_manager: dict[str, Any] = {
            "armUrl": self.arm_url,
            "subscriptionId": tm.subscription_id,
            "resourceGroup": tm.resource_group,
            "profile": profile,
            "token": self.token,
        }
        if self.ca_file is not None:
            traffic_manager["caFile"] = str(self.ca_file)
        return {
            "trafficManager": traffic_manager,
            "dns": {
                "host": self.nameservers.primary.server.address,
                "port": self.dns.port,
                "fqdn": f"{profile.lower()}.{DNS_ZONE}" if profile else None,
                "zone": DNS_ZONE,
                # Every authoritative server (the first is host/port above), all on one port.
                "servers": [
                    {"name": r.server.name, "host": r.server.address, "port": r.dns.port}
                    for r in self.nameservers.replicas
                ],
            },
            "regions": {
                name: {
                    "ingress": {
                        "host": r.ingress.host,
                        "address": r.ingress.address,
                        "port": self.ingress.port,
                        **({"tlsPort": self.ingress.tls_port} if self.ingress.tls_port else {}),
                    }
                }
                for name, r in self.world.regions.items()
            },
            "admin": {"url": f"http://{LOOPBACK}:{self.admin_port}", "token": self.admin_token},
            "timeScale": self.world.time_scale,
        }
