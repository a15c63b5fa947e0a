"""The whole Traffic Manager design, read-only through the SDK from the twin: routing methods,
monitorConfig, TTL, statuses and nesting, on azure-mgmt-trafficmanager 1.1 and 2.x alike."""

from __future__ import annotations

from drillkit.adapters.bundle import Connections
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.core.design import design_refusals, predict, render_tree, target_monitor

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
