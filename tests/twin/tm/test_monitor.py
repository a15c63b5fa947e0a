"""The monitor-status state machine: probe counting, nested endpoints and profile status."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.state import Store
from tests.twin.tm.builders import endpoint, nested, probe, profile


@given(tolerated=st.integers(0, 9), results=st.lists(st.booleans(), max_size=40))
def test_degraded_only_after_more_than_tolerated_failures(
    tolerated: int, results: list[bool]
) -> None:
    """Once Online, Degraded after more than `tolerated` consecutive failures; Online on the
    first success; a failed first probe ends CheckingEndpoint as Degraded."""
    counter = monitor.ProbeCounter(tolerated)
    for result in results:
        counter.record(result)
    trailing = len(results) - (max(i for i, ok in enumerate(results) if ok) + 1 if any(results)
                               else 0)  # fmt: skip
    if not results:
        assert counter.state == monitor.CHECKING
    elif not any(results) or trailing > tolerated:
        assert counter.state == monitor.DEGRADED
    else:
        assert counter.state == monitor.ONLINE


def test_documented_sequence_with_three_tolerated() -> None:
    """Three failures keep Online, the fourth degrades, one success restores."""
    counter = monitor.ProbeCounter(3)
    assert counter.record(True) == monitor.ONLINE
    assert [counter.record(False) for _ in range(4)] == ["Online"] * 3 + ["Degraded"]
    assert counter.record(True) == monitor.ONLINE


def test_configuration_statuses() -> None:
    """Disabled endpoint, disabled profile, alwaysServe and a resource-less Azure endpoint."""
    store = Store()
    azure = endpoint("azure", "azureEndpoints", target=None, targetResourceId="/x")
    off = endpoint("off", endpointStatus="Disabled")
    p = profile(store, "p", "Priority", off, endpoint("always", alwaysServe="Enabled"), azure)
    statuses = {e.name: monitor.endpoint_status(store, p, e) for e in p.endpoints}
    assert statuses == {"off": "Disabled", "always": "Unmonitored", "azure": "Stopped"}
    p.properties["profileStatus"] = "Disabled"
    assert {monitor.endpoint_status(store, p, e) for e in p.endpoints} == {"Inactive"}
    assert monitor.profile_status(store, p) == "Disabled"


def test_nested_endpoint_follows_min_child_endpoints() -> None:
    """A nested endpoint is Online with at least minChildEndpoints Online children."""
    store = Store()
    child = profile(
        store, "child", "Priority", endpoint("a", priority=1), endpoint("b", priority=2)
    )
    parent = profile(store, "parent", "Priority", nested("n", "child", minChildEndpoints=2))
    n = parent.endpoints[0]
    assert monitor.endpoint_status(store, parent, n) == monitor.CHECKING
    probe(store, child, "a", "Online")
    probe(store, child, "b", "Online")
    assert monitor.endpoint_status(store, parent, n) == monitor.ONLINE
    probe(store, child, "b", "Degraded")
    assert monitor.endpoint_status(store, parent, n) == monitor.DEGRADED
    child.properties["profileStatus"] = "Disabled"
    assert monitor.endpoint_status(store, parent, n) == monitor.STOPPED


def test_profile_status_table() -> None:
    """Any Degraded -> Degraded; else any Online -> Online; else Checking; none -> Inactive."""
    store = Store()
    p = profile(store, "p", "Priority", endpoint("a", priority=1), endpoint("b", priority=2))
    assert monitor.profile_status(store, p) == "CheckingEndpoints"
    probe(store, p, "a", "Online")
    assert monitor.profile_status(store, p) == "Online"
    probe(store, p, "b", "Degraded")
    assert monitor.profile_status(store, p) == "Degraded"
    empty = profile(store, "e", "Priority")
    assert monitor.profile_status(store, empty) == "Inactive"
