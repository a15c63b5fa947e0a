"""The hostile worlds' reconcilers undo a fault the way the real controllers do, and stop when
paused the way their projects document it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from drillkit.sandbox.kube.managed import owner_of
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from drillkit.spec.durations import Duration
from tests.realapi.rawapi import raw
from tests.twin.kube.conftest import Clients, connect_to, eventually

HOSTILE = Path(__file__).resolve().parents[3] / "drills" / "sandbox" / "hostile"
WEB = "/apis/apps/v1/namespaces/shop/deployments/web"
MERGE = "application/merge-patch+json"

Opener = Callable[[str], AbstractContextManager[Clients]]


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Callable[[str], Clients]]:
    """Start the kube twins of drills/sandbox/hostile/world-<name>.yaml; clients for region us."""
    opened: list[Any] = []

    def start(name: str) -> Clients:
        world = load_world(HOSTILE / f"world-{name}.yaml").model_copy(
            update={"pod_ready_delay": Duration(0.05)}
        )
        sandbox = SandboxThread(world, tmp_path / name, components=[])
        opened.append(sandbox.__enter__())
        clients = connect_to(sandbox, "sandbox-us")
        opened.append(clients)
        return clients.__enter__()

    yield start
    for item in reversed(opened):
        item.__exit__(None, None, None)


def _scale(us: Clients, path: str, replicas: int) -> None:
    status, body = raw(
        us.api,
        "PATCH",
        f"{path}/scale?fieldManager=drillkit",
        {"spec": {"replicas": replicas}},
        MERGE,
    )
    assert status == 200, body


def _web(us: Clients) -> dict[str, Any]:
    return dict(raw(us.api, "GET", WEB)[1])


def test_gitops_self_heal_reverts_a_scale_down_as_argo_cd(hostile: Any) -> None:
    """A scale to zero is synced back to 3 by argocd-application-controller after the delay."""
    us = hostile("gitops")
    web = _web(us)
    assert web["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] == (
        "shop:apps/Deployment:shop/web"
    )
    assert owner_of(web, "spec", "replicas")["manager"] == "argocd-application-controller"  # type: ignore[index]
    _scale(us, WEB, 0)
    healed = eventually(lambda: (w := _web(us))["spec"]["replicas"] == 3 and w, timeout=5)
    owner = owner_of(healed, "spec", "replicas")
    assert owner is not None
    assert (owner["manager"], owner["operation"]) == ("argocd-application-controller", "Update")


def test_gitops_without_self_heal_leaves_the_drift(hostile: Any) -> None:
    """With spec.syncPolicy.automated.selfHeal false the Application only reports OutOfSync."""
    us = hostile("gitops")
    app = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop"
    patch = {"spec": {"syncPolicy": {"automated": {"selfHeal": False}}}}
    assert raw(us.api, "PATCH", app, patch, MERGE)[0] == 200
    _scale(us, WEB, 0)
    eventually(lambda: raw(us.api, "GET", app)[1]["status"]["sync"]["status"] == "OutOfSync")
    assert _web(us)["spec"]["replicas"] == 0


def test_keda_restores_min_replicas_unless_paused(hostile: Any) -> None:
    """keda-operator scales the target back to minReplicaCount; paused-replicas "0" holds it."""
    us = hostile("keda")
    so = "/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/web"
    status, body = raw(us.api, "GET", so)
    assert status == 200 and body["spec"]["minReplicaCount"] == 3
    _scale(us, WEB, 0)
    healed = eventually(lambda: (w := _web(us))["spec"]["replicas"] == 3 and w, timeout=5)
    owner = owner_of(healed, "spec", "replicas")
    assert owner is not None
    assert (owner["manager"], owner["subresource"]) == ("keda-operator", "scale")
    pause = {"metadata": {"annotations": {"autoscaling.keda.sh/paused-replicas": "0"}}}
    assert raw(us.api, "PATCH", so, pause, MERGE)[0] == 200
    eventually(lambda: _web(us)["spec"]["replicas"] == 0, timeout=5)
    _scale(us, WEB, 2)
    eventually(lambda: _web(us)["spec"]["replicas"] == 0, timeout=5)


def test_flux_reapplies_unless_suspended(hostile: Any) -> None:
    """kustomize-controller re-applies 3 replicas (operation Apply) until spec.suspend is true."""
    us = hostile("flux")
    assert _web(us)["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] == "shop"
    _scale(us, WEB, 0)
    healed = eventually(lambda: (w := _web(us))["spec"]["replicas"] == 3 and w, timeout=5)
    owner = owner_of(healed, "spec", "replicas")
    assert owner is not None
    assert (owner["manager"], owner["operation"]) == ("kustomize-controller", "Apply")
    ks = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop"
    assert raw(us.api, "PATCH", ks, {"spec": {"suspend": True}}, MERGE)[0] == 200
    _scale(us, WEB, 0)
    with pytest.raises(AssertionError):
        eventually(lambda: _web(us)["spec"]["replicas"] == 3, timeout=2.5)


def test_cluster_autoscaler_adds_a_user_pool_node_for_pending_pods(hostile: Any) -> None:
    """With every node cordoned, a Pending pod makes an uncordoned user-pool node join; it is
    NotReady (tainted not-ready) for nodeReadyDelay, then the pod lands on it."""
    us = hostile("autoscaler")
    eventually(lambda: len(us.core.list_namespaced_pod("shop", label_selector="app=web").items))
    before = {n.metadata.name for n in us.core.list_node().items}
    for name in before:
        us.core.patch_node(name, {"spec": {"unschedulable": True}})
    pod = us.core.list_namespaced_pod("shop", label_selector="app=web").items[0]
    us.core.delete_namespaced_pod(pod.metadata.name, "shop", grace_period_seconds=0)
    new = eventually(
        lambda: [n for n in us.core.list_node().items if n.metadata.name not in before], timeout=6
    )
    assert [n.metadata.name for n in new] == ["us-node-4"]
    labels = new[0].metadata.labels
    assert labels["kubernetes.azure.com/mode"] == "user"
    assert labels["agentpool"] == "userpool"
    assert labels["kubernetes.io/hostname"] == "us-node-4"
    assert not new[0].spec.unschedulable
    assert [t.key for t in new[0].spec.taints] == ["node.kubernetes.io/not-ready"]  # booting
    eventually(
        lambda: any(
            p.spec.node_name == "us-node-4"
            for p in us.core.list_namespaced_pod("shop", label_selector="app=web").items
        )
    )


def test_aks_realism_has_pools_and_the_system_pdbs(hostile: Any) -> None:
    """Nodes carry mode and agentpool; kube-system runs AKS's add-ons with their PDBs on the
    tainted system pool, and the application's pods run on the user pool only."""
    us = hostile("strays")
    modes = {
        n.metadata.name: n.metadata.labels["kubernetes.azure.com/mode"]
        for n in us.core.list_node().items
    }
    assert modes == {
        "us-system-1": "system",
        "us-system-2": "system",
        "us-node-1": "user",
        "us-node-2": "user",
        "us-node-3": "user",
    }
    pdbs = {
        p.metadata.name
        for p in us.policy.list_namespaced_pod_disruption_budget("kube-system").items
    }
    assert pdbs == {"coredns-pdb", "konnectivity-agent", "metrics-server-pdb"}

    def addons_on_system_nodes() -> bool:
        pods = us.core.list_namespaced_pod("kube-system", label_selector="k8s-app=kube-dns").items
        return len(pods) == 2 and all(
            p.spec.node_name in ("us-system-1", "us-system-2") for p in pods
        )

    eventually(addons_on_system_nodes)
    shop = us.core.list_namespaced_pod("shop").items
    assert shop and all(p.spec.node_name.startswith("us-node-") for p in shop if p.spec.node_name)
    system = us.core.read_node("us-system-1")
    assert [(t.key, t.effect) for t in system.spec.taints] == [("CriticalAddonsOnly", "NoSchedule")]


def test_strays_are_an_unmanaged_pod_and_an_empty_dir_pod(hostile: Any) -> None:
    """debug-shell has no owner; scratch's pod mounts an emptyDir volume."""
    us = hostile("strays")
    bare = us.core.read_namespaced_pod("debug-shell", "shop")
    assert not bare.metadata.owner_references
    scratch = eventually(
        lambda: us.core.list_namespaced_pod("shop", label_selector="app=scratch").items
    )
    assert scratch[0].spec.volumes[0].empty_dir is not None


def test_gitops_label_tracking_sets_the_instance_label_only(hostile: Any) -> None:
    """With tracking: label the workload carries app.kubernetes.io/instance, no tracking-id."""
    us = hostile("gitops-label")
    meta = _web(us)["metadata"]
    assert meta["labels"]["app.kubernetes.io/instance"] == "shop"
    assert "argocd.argoproj.io/tracking-id" not in (meta.get("annotations") or {})
