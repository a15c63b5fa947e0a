"""The Kubernetes adapter against a real kube-apiserver 1.20 (real RBAC, real PDB 429s, and
policy/v1beta1 only): the same behaviours the twin tests assert, where the twin could be wrong."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drillkit.adapters.kube import KubeCluster
from drillkit.adapters.ports import AccessCheck, Eviction, LeaseState, PodRef
from drillkit.errors import PermanentAdapterError
from tests.realapi.fixtures import real_cluster, real_kubeconfig

pytestmark = pytest.mark.realapi
__all__ = ["real_cluster", "real_kubeconfig"]


@pytest.fixture
def us(real_kubeconfig: Path) -> Iterator[KubeCluster]:
    cluster = KubeCluster("real-us", str(real_kubeconfig))
    yield cluster
    cluster.close()


def test_rbac_review_on_a_real_server(us: KubeCluster, real_kubeconfig: Path) -> None:
    """The operator may patch nodes and create evictions; the viewer may not."""
    viewer = KubeCluster("real-us-viewer", str(real_kubeconfig))
    try:
        assert us.can_i(AccessCheck("patch", "nodes"))
        assert us.can_i(AccessCheck("create", "pods", subresource="eviction"))
        assert not viewer.can_i(AccessCheck("patch", "nodes"))
        with pytest.raises(PermanentAdapterError) as denied:
            viewer.set_unschedulable("us-node-1", True)
        assert denied.value.status == 403
    finally:
        viewer.close()


def test_a_120_server_gets_policy_v1beta1_evictions(us: KubeCluster) -> None:
    """Kubernetes 1.20 serves only policy/v1beta1; discovery picks it and eviction works."""
    assert us._policy_version() == "v1beta1"
    assert us.evict(PodRef("shop", "no-such-pod")).outcome is Eviction.GONE


def test_real_pdb_answers_429_once_nothing_can_reschedule(us: KubeCluster) -> None:
    """Every node cordoned: the web budget lets one pod go, then the real server answers 429."""
    nodes = [n.name for n in us.list_nodes({})]
    pods = [p for n in nodes for p in us.pods_on_node(n) if p.name.startswith("web-")]
    assert len(pods) == 3
    for n in nodes:
        us.set_unschedulable(n, True)
    try:
        outcomes = [us.evict(p).outcome for p in pods[:2]]
        assert outcomes == [Eviction.EVICTED, Eviction.BLOCKED]
    finally:
        for n in nodes:
            us.set_unschedulable(n, False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        web = us.get_workload("Deployment", "shop", "web")
        if web is not None and web.ready == 3:
            break
        time.sleep(0.5)
    assert all(not n.unschedulable for n in us.list_nodes({}))


def test_leases_on_a_real_server(us: KubeCluster) -> None:
    """Create, renew, conflict on a stale resourceVersion (409), delete."""
    taken = us.put_lease(
        LeaseState("drillkit-realapi", "default", None, None, 15), "me", time.time()
    )
    renewed = us.put_lease(taken, "me", time.time())
    with pytest.raises(PermanentAdapterError) as stale:
        us.put_lease(taken, "me", time.time())
    assert stale.value.status == 409 and renewed.holder == "me"
    us.delete_lease("default", "drillkit-realapi", "me")
    assert us.get_lease("default", "drillkit-realapi") is None
