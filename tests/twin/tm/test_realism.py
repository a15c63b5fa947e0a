"""Realistic timing (issue 12, item 10): several probe agents, several name servers, each
applying changes after its own propagation delay; ground truth says which server changed when.

Sources: MONITOR https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring
ROUTING https://learn.microsoft.com/azure/traffic-manager/traffic-manager-routing-methods
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import dns.edns
import dns.message
import dns.query
import httpx
import pytest
from aiohttp import web

from drillkit.sandbox.realism import Realism
from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.prober import Agents, Prober
from drillkit.sandbox.tm.state import Profile, Store
from drillkit.sandbox.world import World, load_world
from tests.twin.tm.builders import endpoint, profile
from tests.twin.tm.conftest import FAST_SCALE, TwinThread, wait_for, world_at

NEW_YORK = "24.1.2.0/24"
# Propagation 2 s .. 10 s real -> 0.1 s .. 0.5 s at timeScale 0.05.
LOW, HIGH = 2 * FAST_SCALE, 10 * FAST_SCALE


def test_status_aggregates_the_agents_as_microsoft_describes() -> None:
    """MONITOR: "Traffic manager aggregates the average health of the probes rather than rely on
    a singular probe instance ... The status should only be a concern if less than 50% (0.5) of
    probes publish an up status." """
    assert monitor.aggregate(["CheckingEndpoint"] * 3) == monitor.CHECKING
    assert monitor.aggregate(["Online", "Online", "Degraded"]) == monitor.ONLINE
    assert monitor.aggregate(["Online", "Degraded"]) == monitor.ONLINE
    assert monitor.aggregate(["Online", "Degraded", "Degraded"]) == monitor.DEGRADED
    assert monitor.aggregate(["Degraded", "CheckingEndpoint", "CheckingEndpoint"]) == "Degraded"


def test_the_default_world_has_realistic_timing_on() -> None:
    """Three agents with jitter, two name servers on their own addresses, a propagation delay
    bounded by Microsoft's "Changes are applied within one minute" (ROUTING)."""
    realism = load_world().traffic_manager.realism
    assert realism.probe_agents >= 2 and realism.probe_jitter > 0
    assert len({s.address for s in realism.name_servers}) >= 2
    assert 0 < realism.propagation.min_delay < realism.propagation.max_delay <= 60


@contextlib.asynccontextmanager
async def _probed(seen: list[float]) -> AsyncIterator[tuple[Profile, Prober]]:
    """A health endpoint on 127.0.0.6 that notes each probe's arrival in ``seen``, a profile
    probing it every 10 s (0.5 s at timeScale 0.05), and a prober of three agents (not started)."""

    async def handle(request: web.Request) -> web.Response:
        seen.append(time.monotonic())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.6", 0).start()
    store = Store()
    stored = profile(store, "p", "Priority", endpoint("a", target="127.0.0.6", priority=1),
                     monitorConfig={"protocol": "HTTP", "port": int(runner.addresses[0][1]),
                                    "path": "/", "intervalInSeconds": 10, "timeoutInSeconds": 5,
                                    "toleratedNumberOfFailures": 3})  # fmt: skip
    prober = Prober(store, time_scale=0.05, hosts={}, agents=Agents(3, 0.1, True),
                    rng=random.Random(12))  # fmt: skip
    try:
        yield stored, prober
    finally:
        await runner.cleanup()


def test_a_monitor_config_change_keeps_the_agents_apart() -> None:
    """A PATCH of monitorConfig retunes the agents without putting them in lockstep: after the
    change the three agents' first probes are not all due at the same moment (round 2's twin
    restarted every agent at once after any PATCH: microseconds apart)."""

    async def main() -> list[float]:
        async with _probed([]) as (stored, prober):
            await prober.start()
            await asyncio.sleep(0.7)
            changed_at = asyncio.get_running_loop().time()
            stored.properties["monitorConfig"]["toleratedNumberOfFailures"] = 4
            prober.store.changed()
            await asyncio.sleep(0.6)  # a little over one scaled interval
            await prober.stop()
        return sorted(t.scheduled for t in prober.timings if t.scheduled >= changed_at)[:3]

    first = asyncio.run(main())
    assert len(first) == 3
    assert max(first) - min(first) > 0.01, first


def test_each_agent_probes_on_its_own_phase() -> None:
    """MONITOR: "Traffic Manager probes from multiple locations ... endpoints are receiving health
    probes from Traffic Manager with a higher frequency than the setting used for Probing
    Interval": three agents, three probes per interval, at different moments."""

    async def main() -> list[float]:
        seen: list[float] = []
        async with _probed(seen) as (_, prober):
            await prober.start()
            await asyncio.sleep(1.6)  # a little over three scaled intervals (0.5 s)
            await prober.stop()
        return seen

    seen = asyncio.run(main())
    assert 7 <= len(seen) <= 12
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert min(gaps) < 0.45  # more often than the interval: the agents are not phase-locked


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwinThread]:
    """A twin of the default world at timeScale 0.05 with realistic timing on."""
    world = world_at(FAST_SCALE, realistic=True)
    data = world.model_dump(by_alias=True)
    data["trafficManager"]["realism"]["propagation"] = {"minDelay": "2s", "maxDelay": "10s"}
    with TwinThread(World.model_validate(data), tmp_path_factory.mktemp("real")) as running:
        yield running


def _answer(host: str, port: int) -> str:
    ecs = [dns.edns.ECSOption("24.1.2.0", 24)]
    query = dns.message.make_query("myapp.trafficmanager.net", "A", use_edns=0, options=ecs)
    response = dns.query.udp(query, host, port=port, timeout=2)
    return str(response.answer[0][0].target).rstrip(".") if response.answer else "NODATA"


def _arm(twin: TwinThread) -> httpx.Client:
    import ssl

    keys = twin.keys["trafficManager"]
    return httpx.Client(
        base_url=keys["armUrl"],
        verify=ssl.create_default_context(cafile=keys["caFile"]),
        headers={"Authorization": f"Bearer {keys['token']}"},
    )


def test_world_json_lists_every_name_server(realistic: TwinThread) -> None:
    """dns.servers names tm1 and tm2 on separate loopback addresses, one port; the first is
    dns.host/dns.port."""
    keys = realistic.keys["dns"]
    servers = keys["servers"]
    assert [s["name"] for s in servers] == ["tm1.msft.net", "tm2.msft.net"]
    assert len({s["host"] for s in servers}) == 2 and {s["port"] for s in servers} == {keys["port"]}
    assert (servers[0]["host"], servers[0]["port"]) == (keys["host"], keys["port"])


def test_each_server_applies_a_change_after_its_own_delay(realistic: TwinThread) -> None:
    """A disable through ARM reaches each server between minDelay and maxDelay (scaled) later,
    and /events says which server changed when (ROUTING: "Changes are applied within one
    minute")."""
    keys = realistic.keys
    base = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sandbox"
    path = (
        f"{base}/providers/Microsoft.Network/trafficManagerProfiles/myapp-na/externalEndpoints/us"
    )
    api = "?api-version=2022-04-01"
    servers = keys["dns"]["servers"]
    wait_for(lambda: all(_answer(s["host"], s["port"]) == "us.ingress.sandbox.test"
                         for s in servers), 5)  # fmt: skip
    cut = time.time()
    with _arm(realistic) as arm:
        assert arm.patch(path + api, json={"properties": {"endpointStatus": "Disabled"}}).is_success
        try:
            wait_for(lambda: all(_answer(s["host"], s["port"]) == "eu.ingress.sandbox.test"
                                 for s in servers), 5)  # fmt: skip
            with httpx.Client() as admin:
                url = f"{keys['admin']['url']}/events"
                headers = {"Authorization": f"Bearer {keys['admin']['token']}"}
                events: list[dict[str, Any]] = admin.get(
                    url, params={"since": cut}, headers=headers
                ).json()["events"]
        finally:
            arm.patch(path + api, json={"properties": {"endpointStatus": "Enabled"}})
    flips = [e for e in events if e["kind"] == "dns-server-answer-changed"
             and e["subnet"] == NEW_YORK and e["profile"] == "myapp"]  # fmt: skip
    assert {e["server"] for e in flips} == {"tm1.msft.net", "tm2.msft.net"}
    for flip in flips:
        assert LOW - 0.02 <= flip["at"] - flip["decidedAt"] <= HIGH + 0.2, flip
    primary = [e for e in events if e["kind"] == "dns-answer-changed" and e["subnet"] == NEW_YORK
               and e["profile"] == "myapp"]  # fmt: skip
    assert [e["server"] for e in primary] == ["tm1.msft.net"]


def test_realism_off_is_one_instant_server() -> None:
    """Realism.off() gives the old twin: one agent, one server, no delay."""
    off = Realism.off()
    assert (off.probe_agents, len(off.name_servers), float(off.propagation.max_delay)) == (1, 1, 0)


def test_a_server_never_serves_an_older_state_than_it_served() -> None:
    """Changes reach each server in the order they were made, whatever their own delays: after a
    burst of changes every server serves the control plane's last state."""
    from drillkit.sandbox.realism import NameServer, Propagation
    from drillkit.sandbox.tm.dns_answer import Locator, Responder
    from drillkit.sandbox.tm.nameservers import NameServers
    from drillkit.spec.durations import Duration

    async def main() -> tuple[dict[Any, str], list[dict[Any, str]]]:
        master = Store()
        p = profile(master, "p", "Priority", endpoint("a", priority=1))
        servers = [NameServer(name=f"tm{i}.msft.net", address=f"127.0.0.{i}") for i in (1, 2, 3)]
        names = NameServers(
            master, servers,
            lambda store: Responder(store, Locator([]), time_scale=1.0, hosts={}),
            propagation=Propagation(min_delay=Duration(0.0), max_delay=Duration(0.05)),
            time_scale=1.0,
        )  # fmt: skip
        names.sync()
        key = (p.key, "a")
        for i in range(60):
            master.set_probe_state(key, "Online" if i % 2 else "Degraded")
            await asyncio.sleep(0)
        await asyncio.sleep(0.3)
        return dict(master.probe_states), [dict(r.store.probe_states) for r in names.replicas]

    final, served = asyncio.run(main())
    assert all(states == final for states in served)
