"""The unmodified official kubernetes client against the twin: reads, cordon, RBAC, selectors."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException

from drillkit.sandbox.runtime import SandboxThread
from tests.twin.kube.conftest import Clients, eventually, settled


def test_each_region_has_three_ready_nodes(sandbox: SandboxThread, us: Clients) -> None:
    """The us twin lists us-node-1..3, each with condition Ready=True."""
    nodes = us.core.list_node().items
    assert [n.metadata.name for n in nodes] == ["us-node-1", "us-node-2", "us-node-3"]
    for node in nodes:
        ready = next(c for c in node.status.conditions if c.type == "Ready")
        assert ready.status == "True"


def test_default_workloads_become_ready_and_spread(sandbox: SandboxThread, us: Clients) -> None:
    """web reaches 3/3 ready with status fields as kubectl reads them, one pod per node."""
    settled(sandbox)
    dep = us.apps.read_namespaced_deployment("web", "shop")
    assert (dep.status.replicas, dep.status.ready_replicas, dep.status.available_replicas) == (
        3,
        3,
        3,
    )
    assert dep.status.updated_replicas == 3
    assert dep.status.observed_generation == dep.metadata.generation == 1
    pods = us.core.list_namespaced_pod("shop", label_selector="app=web").items
    assert sorted(p.spec.node_name for p in pods) == ["us-node-1", "us-node-2", "us-node-3"]
    assert all(p.status.phase == "Running" for p in pods)


def test_cordon_keeps_new_pods_off_the_node(sandbox: SandboxThread, us: Clients) -> None:
    """After patching spec.unschedulable, a scale-up places no pod on the cordoned node."""
    settled(sandbox)
    us.core.patch_node("us-node-1", {"spec": {"unschedulable": True}})
    assert us.core.read_node("us-node-1").spec.unschedulable is True
    us.apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 7}})
    eventually(
        lambda: (us.apps.read_namespaced_deployment("web", "shop").status.ready_replicas or 0) == 7
    )
    pods = us.core.list_namespaced_pod("shop", label_selector="app=web").items
    on_cordoned = [p for p in pods if p.spec.node_name == "us-node-1"]
    assert len(on_cordoned) == 1  # the one that was there before the cordon


def test_viewer_cannot_patch_nodes(sandbox: SandboxThread, viewer: Clients) -> None:
    """The viewer token reads nodes but a patch answers 403 in RBAC's words."""
    assert len(viewer.core.list_node().items) == 3
    with pytest.raises(ApiException) as caught:
        viewer.core.patch_node("us-node-1", {"spec": {"unschedulable": True}})
    assert caught.value.status == 403
    status = json.loads(caught.value.body)
    assert status["reason"] == "Forbidden"
    assert status["message"] == (
        'nodes "us-node-1" is forbidden: User "viewer" cannot patch resource "nodes" in API '
        'group "" at the cluster scope'
    )


def test_field_selector_lists_pods_of_one_node(sandbox: SandboxThread, us: Clients) -> None:
    """fieldSelector spec.nodeName returns exactly the pods bound to that node."""
    settled(sandbox)
    pods = us.core.list_pod_for_all_namespaces(field_selector="spec.nodeName=us-node-2").items
    assert pods and all(p.spec.node_name == "us-node-2" for p in pods)
    assert {p.metadata.labels["app"] for p in pods} >= {"log-agent"}


def test_set_based_label_selector(sandbox: SandboxThread, us: Clients) -> None:
    """``app in (web,cart)`` matches the five web and cart pods, not the DaemonSet's."""
    settled(sandbox)
    pods = us.core.list_namespaced_pod("shop", label_selector="app in (web,cart)").items
    assert sorted({p.metadata.labels["app"] for p in pods}) == ["cart", "web"]
    assert len(pods) == 5
    rest = us.core.list_namespaced_pod("shop", label_selector="app notin (web,cart)").items
    assert {p.metadata.labels["app"] for p in rest} == {"log-agent"}


def test_regions_are_separate_clusters(sandbox: SandboxThread, connect) -> None:  # type: ignore[no-untyped-def]
    """The eu context sees eu-node-*, never the us nodes."""
    eu = connect("sandbox-eu")
    assert [n.metadata.name for n in eu.core.list_node().items] == [
        "eu-node-1",
        "eu-node-2",
        "eu-node-3",
    ]


def test_ready_replicas_reads_the_store(sandbox: SandboxThread) -> None:
    """The in-process hook the Traffic Manager twin uses reports web's ready replicas."""
    settled(sandbox)
    assert sandbox.call(lambda s: s.kube["us"].ready_replicas("shop", "Deployment", "web")) == 3
    assert sandbox.call(lambda s: s.kube["us"].ready_replicas("shop", "Deployment", "nope")) == 0


def test_paging_with_limit_and_continue(sandbox: SandboxThread, us: Clients) -> None:
    """Pages of 3 pods, followed through continue tokens, add up to the whole list once."""
    settled(sandbox)
    whole = [p.metadata.name for p in us.core.list_namespaced_pod("shop").items]
    seen: list[str] = []
    token = None
    for _ in range(10):
        page = us.core.list_namespaced_pod("shop", limit=3, _continue=token)
        seen += [p.metadata.name for p in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == len(whole) - len(seen)
    assert seen == whole and len(whole) == 8
