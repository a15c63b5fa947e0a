"""The whole Traffic Manager design, read-only through the SDK from the twin: routing methods,
monitorConfig, TTL, statuses and nesting, on azure-mgmt-trafficmanager 1.1 and 2.x alike."""

from __future__ import annotations

import asyncio

from drillkit.adapters.bundle import Connections
from drillkit.adapters.dns import EcsResolver, discover_nameservers, system_resolver
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.core.design import design_refusals, predict, render_tree, target_monitor
from drillkit.sandbox.runtime import SandboxThread

INGRESSES = {"us": ("us.ingress.sandbox.test",), "eu": ("eu.ingress.sandbox.test",)}


def test_the_sandbox_design_is_read_as_a_tree(conns: Connections) -> None:
    """The default world reads as Geographic over two nested Priority children, with the
    world's monitor settings (10 s, timeout 5 s, 3 tolerated) and TTL 30 s."""
    tm = conns.traffic_manager
    assert isinstance(tm, AzureTrafficManager)
    root = tm.design()
    assert (root.name, root.routing_method, root.ttl_s) == ("myapp", "Geographic", 30)
    assert [e.child.routing_method for e in root.endpoints if e.child] == ["Priority", "Priority"]
    monitor, ttl = target_monitor(root, "us", INGRESSES)
    assert (monitor.interval_s, monitor.timeout_s, monitor.tolerated_failures) == (10, 5, 3)
    assert design_refusals(root, "us", ["eu"], INGRESSES) == []
    assert predict(monitor, ttl).detection.latest_s == 45.0
    assert any("-> region us Online" in line for line in render_tree(root, INGRESSES))


def test_the_twin_s_name_servers_are_discovered_and_all_answer(sandbox: SandboxThread) -> None:
    """Problem 10 against the twin: its zone's NS records (asked of its first server, standing
    in for the system resolver) name every server of world.json with its address, and an ECS
    question asked of all of them is answered by each."""
    dns_info = sandbox.info["dns"]
    port = int(dns_info["port"])
    resolver = system_resolver((dns_info["host"], port), timeout_s=2)
    zone, servers = discover_nameservers(dns_info["fqdn"], resolver, port=port)
    assert zone == dns_info["zone"].rstrip(".")
    expected = {(s["name"], s["host"]) for s in dns_info["servers"]}
    assert {(s.name, s.address) for s in servers} == expected and len(expected) >= 2

    async def ask() -> object:
        ecs = EcsResolver(servers, timeout_s=1.0)
        try:
            answer = await ecs.resolve(dns_info["fqdn"], "24.1.2.0/24")
            await asyncio.sleep(0.3)  # the slower servers' answers are counted too
            return answer, {k: (v.answered, v.failed) for k, v in ecs.stats.items()}
        finally:
            await ecs.aclose()

    answer, stats = asyncio.run(ask())  # type: ignore[misc]
    assert answer.rcode == "NOERROR"  # type: ignore[attr-defined]
    assert set(stats.values()) == {(1, 0)}, stats


def test_who_last_modified_each_profile_and_endpoint_is_read_from_system_data(
    conns: Connections,
) -> None:
    """ARM's systemData.lastModifiedBy (and its type) reaches the design through the SDK's
    models, for every profile and endpoint of the tree; a profile's status can be set back."""
    from drillkit.sandbox.tm.system_data import CALLER

    tm = conns.traffic_manager
    assert isinstance(tm, AzureTrafficManager)
    root = tm.design()
    children = [e.child for e in root.endpoints if e.child is not None]
    named = [root.modified_by, *(c.modified_by for c in children)]
    named += [e.modified_by for p in (root, *children) for e in p.endpoints]
    assert named and set(named) == {f"{CALLER} (User)"}

    def status(name: str) -> str:
        tree = tm.design()
        return next(e.child.status for e in tree.endpoints if e.child and e.child.name == name)

    try:
        tm.set_profile_status("myapp-eu", "Disabled")
        assert status("myapp-eu") == "Disabled"
    finally:
        tm.set_profile_status("myapp-eu", "Enabled")
    assert status("myapp-eu") == "Enabled"
