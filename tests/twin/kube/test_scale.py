"""A scaled world: N user nodes and M pods per region from the world's own settings
(``regions.<r>.nodes``, ``aks.systemNodes``, each workload's ``replicas``), read back through the
official client; and the admin request count a benchmark reads."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client, config

from drillkit.sandbox.hostile import Aks
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import Namespace, Workload, World, load_world
from drillkit.spec.durations import Duration
from tests.twin.kube.conftest import eventually

USER_NODES = 12
SYSTEM_NODES = 3
PODS = 150  # web 3 + cart 2 + bulk 145


def scaled_world() -> World:
    """The default world at 12 user nodes, 3 system nodes and 150 application pods per region."""
    world = load_world()
    regions = {n: r.model_copy(update={"nodes": USER_NODES}) for n, r in world.regions.items()}
    shop = Namespace(
        name="shop",
        workloads=[
            Workload(kind="Deployment", name="web", replicas=3),
            Workload(kind="StatefulSet", name="cart", replicas=2),
            Workload(kind="DaemonSet", name="log-agent"),
            Workload(kind="Deployment", name="bulk", replicas=PODS - 5),
        ],
    )
    return world.model_copy(
        update={
            "regions": regions,
            "namespaces": [shop],
            "aks": Aks(system_nodes=SYSTEM_NODES),
            "pod_ready_delay": Duration(0.05),
        }
    )


@pytest.fixture
def scaled(tmp_path: Path) -> Iterator[SandboxThread]:
    with SandboxThread(scaled_world(), tmp_path / "state") as sb:
        yield sb


def _pods(core: Any) -> list[dict[str, Any]]:
    response = core.list_namespaced_pod("shop", _preload_content=False)
    return list(json.loads(response.data)["items"])


@pytest.mark.timeout(120)
def test_a_world_of_n_nodes_and_m_pods_comes_up_with_that_many(scaled: SandboxThread) -> None:
    """12 user nodes, 3 system nodes and 150 Running application pods per region, spread over
    the user pool only (the system pool's taint keeps them off), one log-agent per user node."""
    for region in ("us", "eu"):
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            scaled.info["kubeconfig"], context=f"sandbox-{region}"
        )
        try:
            core = client.CoreV1Api(api)
            nodes = core.list_node().items
            modes = Counter(n.metadata.labels["kubernetes.azure.com/mode"] for n in nodes)
            assert modes == {"user": USER_NODES, "system": SYSTEM_NODES}

            def running(core: Any = core) -> list[dict[str, Any]]:
                pods = _pods(core)
                ok = [p for p in pods if p["status"].get("phase") == "Running"]
                return ok if len(ok) == PODS + USER_NODES else []

            pods = eventually(running, timeout=60, interval=0.2)
            apps = [p for p in pods if p["metadata"]["labels"]["app"] != "log-agent"]
            assert len(apps) == PODS
            user = {f"{region}-node-{i}" for i in range(1, USER_NODES + 1)}
            assert {p["spec"]["nodeName"] for p in apps} == user
            per_node = Counter(p["spec"]["nodeName"] for p in apps)
            assert max(per_node.values()) - min(per_node.values()) <= 1  # fewest-pods scheduling
            agents = Counter(p["spec"]["nodeName"] for p in pods if p not in apps)
            assert agents == dict.fromkeys(user, 1)
        finally:
            api.close()


@pytest.mark.timeout(120)
def test_admin_counts_each_kube_twins_requests(scaled: SandboxThread) -> None:
    """admin GET /requests counts a region's requests by verb and resource (what the region
    bench reports), DELETE /requests starts the count again, the other region's stays apart."""
    admin = scaled.info["admin"]
    headers = {"Authorization": f"Bearer {admin['token']}"}
    api = config.new_client_from_config(  # type: ignore[no-untyped-call]
        scaled.info["kubeconfig"], context="sandbox-us"
    )
    with httpx.Client(base_url=admin["url"], headers=headers, timeout=10) as http:
        try:
            http.delete("/requests").raise_for_status()
            core = client.CoreV1Api(api)
            for _ in range(3):
                core.list_node()
            core.patch_node("us-node-1", {"metadata": {"labels": {"bench": "yes"}}})
            counts = http.get("/requests").json()["targets"]
        finally:
            api.close()
        assert counts["kube:us"]["by"]["GET nodes"] == 3
        assert counts["kube:us"]["by"]["PATCH nodes"] == 1
        assert counts["kube:us"]["total"] == sum(counts["kube:us"]["by"].values())
        assert counts["kube:eu"]["total"] == 0
        assert http.get("/requests", params={"target": "kube:eu"}).json()["targets"].keys() == {
            "kube:eu"
        }
