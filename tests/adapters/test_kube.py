"""The Kubernetes adapter against the Kubernetes twin (official client underneath)."""

from __future__ import annotations

import time

import pytest

from drillkit.adapters.bundle import Connections
from drillkit.adapters.kube import KubeCluster
from drillkit.adapters.ports import AccessCheck, Eviction, LeaseState, PodRef
from drillkit.errors import PermanentAdapterError, PreflightRefused
from drillkit.sandbox.runtime import SandboxThread


def test_server_is_the_contexts_api_server(conns: Connections, sandbox: SandboxThread) -> None:
    """server() is the URL the context points at (what clusterServer pins)."""
    assert conns.clusters["us"].server() == sandbox.info["regions"]["us"]["apiServer"]


def test_unknown_context_is_a_preflight_refusal(sandbox: SandboxThread) -> None:
    """A context missing from the kubeconfig refuses before anything happens."""
    with pytest.raises(PreflightRefused, match="cannot load kube context 'nope'"):
        KubeCluster("nope", sandbox.info["kubeconfig"])


def test_access_review_tells_operator_from_viewer(conns: Connections, viewer: KubeCluster) -> None:
    """SelfSubjectAccessReview allows the operator to patch nodes and denies the viewer."""
    check = AccessCheck("patch", "nodes")
    assert conns.clusters["us"].can_i(check) is True
    assert viewer.can_i(check) is False
    assert viewer.can_i(AccessCheck("list", "nodes")) is True


def test_forbidden_write_is_a_permanent_error(viewer: KubeCluster) -> None:
    """A 403 becomes PermanentAdapterError with the status and a short message."""
    with pytest.raises(PermanentAdapterError) as error:
        viewer.set_unschedulable("us-node-1", True)
    assert error.value.status == 403 and len(str(error.value)) < 400


def test_cordon_and_uncordon(conns: Connections) -> None:
    """set_unschedulable flips spec.unschedulable both ways."""
    us = conns.clusters["us"]
    us.set_unschedulable("us-node-1", True)
    try:
        assert us.get_node("us-node-1") == us.get_node("us-node-1")
        node = us.get_node("us-node-1")
        assert node is not None and node.unschedulable is True
    finally:
        us.set_unschedulable("us-node-1", False)
    node = us.get_node("us-node-1")
    assert node is not None and node.unschedulable is False
    assert us.get_node("no-such-node") is None


def test_pdb_blocks_the_second_eviction_when_nothing_can_reschedule(
    conns: Connections, sandbox: SandboxThread
) -> None:
    """With every node cordoned, maxUnavailable 1 lets one web pod go and answers 429 after."""
    us = conns.clusters["us"]
    nodes = [n.name for n in us.list_nodes({})]
    pods = [p for n in nodes for p in us.pods_on_node(n) if p.name.startswith("web-")]
    assert len(pods) == 3 and all(p.owner_kind == "ReplicaSet" for p in pods)
    for n in nodes:
        us.set_unschedulable(n, True)
    try:
        first = us.evict(pods[0])
        second = us.evict(pods[1])
        assert first.outcome is Eviction.EVICTED
        assert second.outcome is Eviction.BLOCKED
        # the Status's details.causes name the budget, so evidence can say which one blocked
        assert "The disruption budget web needs" in second.message
        assert us.evict(PodRef("shop", "no-such-pod")).outcome is Eviction.GONE
    finally:
        for n in nodes:
            us.set_unschedulable(n, False)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if sandbox.call(lambda s: s.kube["us"].ready_replicas("shop", "Deployment", "web")) == 3:
            break
        time.sleep(0.1)


def test_daemonset_pods_are_marked(conns: Connections) -> None:
    """pods_on_node reports owner kinds so that the drain can skip DaemonSet pods."""
    pods = conns.clusters["us"].pods_on_node("us-node-2")
    assert "DaemonSet" in {p.owner_kind for p in pods}
    assert all(p.node == "us-node-2" for p in pods)


def test_policy_v1beta1_eviction_is_supported(conns: Connections) -> None:
    """The adapter discovers policy/v1 and can speak policy/v1beta1 (for 1.20 clusters)."""
    us = conns.clusters["us"]
    assert isinstance(us, KubeCluster)
    assert us._policy_version() == "v1"
    us._eviction_version = "v1beta1"
    try:
        assert us.evict(PodRef("shop", "no-such-pod")).outcome is Eviction.GONE
    finally:
        us._eviction_version = None


def test_scale_through_the_scale_subresource(conns: Connections) -> None:
    """set_replicas changes spec.replicas of a StatefulSet; get_workload reads it back."""
    us = conns.clusters["us"]
    us.set_replicas("StatefulSet", "shop", "cart", 1)
    try:
        cart = us.get_workload("StatefulSet", "shop", "cart")
        assert cart is not None and cart.replicas == 1
    finally:
        us.set_replicas("StatefulSet", "shop", "cart", 2)
    kinds = {w.key for w in us.list_workloads("shop", "")}
    assert {"Deployment/shop/web", "StatefulSet/shop/cart"} <= kinds
    assert us.get_workload("Deployment", "shop", "nope") is None


def test_lease_create_renew_conflict_delete(conns: Connections) -> None:
    """Leases: create, renew with resourceVersion, 409 on a stale one, delete by holder only."""
    us = conns.clusters["us"]
    fresh = LeaseState("adapter-test", "default", None, None, 15)
    taken = us.put_lease(fresh, "me", time.time())
    assert taken.holder == "me" and taken.resource_version
    renewed = us.put_lease(taken, "me", time.time())
    assert renewed.resource_version != taken.resource_version
    with pytest.raises(PermanentAdapterError) as stale:
        us.put_lease(taken, "me", time.time())
    assert stale.value.status == 409
    us.delete_lease("default", "adapter-test", "someone-else")
    assert us.get_lease("default", "adapter-test") is not None
    us.delete_lease("default", "adapter-test", "me")
    assert us.get_lease("default", "adapter-test") is None
