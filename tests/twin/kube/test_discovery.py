"""Discovery documents, HPAs from the world file, and namespaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import DEFAULT_WORLD, load_world
from drillkit.spec.durations import Duration
from tests.twin.kube.conftest import Clients, connect_to, eventually
from tests.twin.kube.test_api import raw


def test_core_resource_list_names_eviction_under_policy(
    sandbox: SandboxThread, us: Clients
) -> None:
    """/api/v1 lists pods/eviction as policy/v1 Eviction, which kubectl drain looks for."""
    status, doc = raw(us, "GET", "/api/v1")
    assert status == 200
    eviction = next(r for r in doc["resources"] if r["name"] == "pods/eviction")
    assert (eviction["group"], eviction["version"], eviction["kind"]) == (
        "policy",
        "v1",
        "Eviction",
    )
    pods = next(r for r in doc["resources"] if r["name"] == "pods")
    assert pods["shortNames"] == ["po"] and pods["namespaced"] is True
    assert "deletecollection" in pods["verbs"]


def test_groups_serve_both_policy_versions(sandbox: SandboxThread, us: Clients) -> None:
    """/apis lists policy with v1 preferred and v1beta1 still served, plus the other groups."""
    _, groups = raw(us, "GET", "/apis")
    by_name = {g["name"]: g for g in groups["groups"]}
    assert {"apps", "policy", "autoscaling", "coordination.k8s.io", "authorization.k8s.io"} <= set(
        by_name
    )
    assert by_name["policy"]["preferredVersion"]["version"] == "v1"
    assert [v["version"] for v in by_name["policy"]["versions"]] == ["v1", "v1beta1"]
    status, beta = raw(us, "GET", "/apis/policy/v1beta1")
    assert status == 200 and beta["resources"][0]["name"] == "poddisruptionbudgets"


def test_version_is_public(sandbox: SandboxThread) -> None:
    """/version answers without a token, as kubectl's version negotiation expects."""
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=sandbox.info["caFile"])
    url = sandbox.info["regions"]["us"]["apiServer"] + "/version"
    with urllib.request.urlopen(url, context=context, timeout=5) as response:
        assert json.load(response)["minor"] == "32"


def test_world_hpa_is_readable_and_clamps_scale(tmp_path: Path) -> None:
    """A world HPA reads back as autoscaling/v2 and v1 and keeps web within its bounds."""
    text = DEFAULT_WORLD.read_text().replace(
        "{kind: Deployment, name: web, replicas: 3, pdb: {maxUnavailable: 1}}",
        "{kind: Deployment, name: web, replicas: 3, pdb: {maxUnavailable: 1}, hpa: [2, 4]}",
    )
    path = tmp_path / "world.yaml"
    path.write_text(text)
    world = load_world(path).model_copy(update={"pod_ready_delay": Duration(0.05)})
    with (
        SandboxThread(world, tmp_path / "state", components=[]) as sb,
        connect_to(sb, "sandbox-eu") as eu,
    ):
        hpa = eu.autoscaling.read_namespaced_horizontal_pod_autoscaler("web", "shop")
        assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 4)
        assert hpa.spec.scale_target_ref.name == "web"
        v1 = client.AutoscalingV1Api(eu.api).list_namespaced_horizontal_pod_autoscaler("shop")
        assert [
            (
                h.api_version,
                h.spec.min_replicas,
                h.spec.max_replicas,
                h.spec.target_cpu_utilization_percentage,
            )
            for h in v1.items
        ] == [("autoscaling/v1", 2, 4, 80)]
        eu.apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 9}})
        eventually(lambda: eu.apps.read_namespaced_deployment("web", "shop").spec.replicas == 4)
        eu.apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 0}})
        assert eu.apps.read_namespaced_deployment("web", "shop").spec.replicas == 0


def test_namespaces_create_and_delete(sandbox: SandboxThread, us: Clients) -> None:
    """A created namespace is Active; deleting it removes it and what was in it."""
    us.core.create_namespace({"metadata": {"name": "drill"}})
    assert us.core.read_namespace("drill").status.phase == "Active"
    us.coordination.create_namespaced_lease("drill", {"metadata": {"name": "l"}, "spec": {}})
    us.core.delete_namespace("drill")
    with pytest.raises(ApiException) as gone:
        us.core.read_namespace("drill")
    assert gone.value.status == 404
    with pytest.raises(ApiException) as missing:
        us.coordination.create_namespaced_lease("drill", {"metadata": {"name": "l"}})
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["message"] == 'namespaces "drill" not found'
