"""The real tier itself: the seeded world, kubeconfig contexts, RBAC and a clean stop."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.realapi.cluster import RealCluster, missing_reason
from tests.realapi.rawapi import raw

pytestmark = pytest.mark.realapi


def _kubectl(kubeconfig: Path, context: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", f"--context={context}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_apiserver_is_kubernetes_1_20(real_api: client.ApiClient) -> None:
    """The tier serves kube-apiserver v1.20.2 built from Debian's source package."""
    version = client.VersionApi(real_api).get_code()
    assert (version.major, version.minor, version.git_version) == ("1", "20", "v1.20.2")


def test_nodes_registered_ready_and_untainted(real_api: client.ApiClient) -> None:
    """The kubelet stand-in registers us-node-1..3 Ready, without the not-ready taint."""
    nodes = client.CoreV1Api(real_api).list_node().items
    assert sorted(n.metadata.name for n in nodes) == ["us-node-1", "us-node-2", "us-node-3"]
    for node in nodes:
        ready = [c.status for c in node.status.conditions if c.type == "Ready"]
        assert ready == ["True"]
        assert not [t for t in node.spec.taints or [] if t.key.startswith("node.kubernetes.io/")]


def test_world_seeded_and_settled(real_api: client.ApiClient) -> None:
    """shop/web has 3 ready replicas, cart 2, log-agent one per node, and the PDB allows 1."""
    apps = client.AppsV1Api(real_api)
    assert apps.read_namespaced_deployment("web", "shop").status.ready_replicas == 3
    assert apps.read_namespaced_stateful_set("cart", "shop").status.ready_replicas == 2
    assert apps.read_namespaced_daemon_set("log-agent", "shop").status.number_ready == 3
    status, pdb = raw(
        real_api, "GET", "/apis/policy/v1beta1/namespaces/shop/poddisruptionbudgets/web"
    )
    assert status == 200, pdb
    assert pdb["status"]["disruptionsAllowed"] == 1
    assert pdb["status"]["currentHealthy"] == 3


def test_pods_are_bound_running_and_ready(real_api: client.ApiClient) -> None:
    """Every shop pod is on a us node, Running, with a True Ready condition."""
    pods = client.CoreV1Api(real_api).list_namespaced_pod("shop").items
    assert len(pods) == 3 + 2 + 3
    for pod in pods:
        assert pod.spec.node_name.startswith("us-node-")
        assert pod.status.phase == "Running"
        assert [c.status for c in pod.status.conditions if c.type == "Ready"] == ["True"]


def test_kubectl_uses_both_contexts(real_kubeconfig: Path) -> None:
    """kubectl lists nodes through real-us and pods through real-us-viewer."""
    nodes = _kubectl(real_kubeconfig, "real-us", "get", "nodes", "--no-headers")
    assert nodes.returncode == 0, nodes.stderr
    assert [line.split()[:2] for line in nodes.stdout.splitlines()] == [
        [f"us-node-{n}", "Ready"] for n in (1, 2, 3)
    ]
    pods = _kubectl(real_kubeconfig, "real-us-viewer", "get", "pods", "-n", "shop", "-o", "name")
    assert pods.returncode == 0, pods.stderr
    assert len(pods.stdout.split()) == 8


def test_viewer_cannot_patch(real_viewer_api: client.ApiClient) -> None:
    """The viewer token is refused a patch with 403 Forbidden."""
    with pytest.raises(ApiException) as caught:
        client.AppsV1Api(real_viewer_api).patch_namespaced_deployment(
            "web", "shop", {"metadata": {"labels": {"x": "y"}}}
        )
    assert caught.value.status == 403
    assert json.loads(caught.value.body)["reason"] == "Forbidden"


def test_second_region_is_separate(real_cluster: RealCluster) -> None:
    """Region eu lives under its own etcd prefix, with its own nodes."""
    with real_cluster.api_client("eu") as api:
        names = [n.metadata.name for n in client.CoreV1Api(api).list_node().items]
    assert sorted(names) == ["eu-node-1", "eu-node-2", "eu-node-3"]


def test_missing_binaries_give_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without binaries the tier says which are missing and how to build them."""
    monkeypatch.setenv("DRILLKIT_REALAPI_DIR", str(tmp_path))
    reason = missing_reason()
    assert reason is not None
    assert "kube-apiserver" in reason
    assert "scripts/realapi/build.sh" in reason


@pytest.mark.slow
def test_stop_leaves_no_process_and_no_directory() -> None:
    """Leaving the context manager ends every child process and removes its directory."""
    if missing_reason():
        pytest.skip(missing_reason() or "")
    with RealCluster(regions=["eu"], seed=False) as cluster:
        pids = [c.pid for r in cluster.regions.values() for c in r.children]
        assert cluster.etcd is not None
        pids.append(cluster.etcd.pid)
        workdir = cluster.dir
        assert all(Path(f"/proc/{pid}").exists() for pid in pids)
    assert not [pid for pid in pids if _alive(pid)]
    assert not workdir.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
