"""Drain against a PodDisruptionBudget: eviction 201 then 429, 404 for a gone pod, kubectl drain."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.differential.settle import NODES, eviction_version, normalize, wait_for
from tests.differential.targets import Target


def _evict(api: client.ApiClient, name: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Evict through the official client; (status, Status body, response headers)."""
    body = {
        "apiVersion": eviction_version(api),
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": "shop"},
    }
    try:
        response = client.CoreV1Api(api).create_namespaced_pod_eviction(
            name, "shop", body, _preload_content=False
        )
        data = response.read()
        return response.status, json.loads(data), dict(response.headers)
    except ApiException as exc:
        return exc.status, json.loads(exc.body), dict(exc.headers or {})


def _web_pods(api: client.ApiClient) -> list[Any]:
    pods = client.CoreV1Api(api).list_namespaced_pod("shop", label_selector="app=web").items
    return sorted(
        (p for p in pods if p.metadata.deletion_timestamp is None), key=lambda p: p.metadata.name
    )


def test_second_eviction_is_blocked_by_the_budget(api: client.ApiClient) -> None:
    """With maxUnavailable 1 the first eviction succeeds, the next answers 429; that pod stays."""
    first, second = _web_pods(api)[:2]
    status, body, _ = _evict(api, first.metadata.name)
    assert (status, normalize(body)) == (
        201,
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
    )
    status, body, headers = _evict(api, second.metadata.name)
    assert status == 429
    assert normalize(body) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Cannot evict pod as it would violate the pod's disruption budget.",
        "reason": "TooManyRequests",
        "details": {
            "causes": [
                {
                    "reason": "DisruptionBudget",
                    "message": "The disruption budget web needs 2 healthy pods and has 2 currently",
                }
            ]
        },
        "code": 429,
    }
    assert "retry-after" not in {k.lower() for k in headers}
    survivor = client.CoreV1Api(api).read_namespaced_pod(second.metadata.name, "shop")
    assert survivor.metadata.deletion_timestamp is None
    assert survivor.status.phase == "Running"


def test_eviction_of_a_missing_pod_is_404(api: client.ApiClient) -> None:
    """Evicting a pod that does not exist answers 404 NotFound naming the pod."""
    status, body, _ = _evict(api, "web-gone")
    assert (status, normalize(body)) == (
        404,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'pods "web-gone" not found',
            "reason": "NotFound",
            "details": {"name": "web-gone", "kind": "pods"},
            "code": 404,
        },
    )


@pytest.fixture
def all_cordoned(target: Target, api: client.ApiClient) -> Iterator[client.ApiClient]:
    """Every us node cordoned (an evicted pod's replacement cannot schedule); uncordoned after."""
    try:
        for node in NODES:
            assert target.kubectl("cordon", node).returncode == 0
        yield api
    finally:
        for node in NODES:
            target.kubectl("uncordon", node)


def test_kubectl_drain_retries_on_the_budget_until_its_timeout(
    target: Target, all_cordoned: client.ApiClient
) -> None:
    """With the budget spent and nowhere to reschedule, kubectl drain retries 429s and times out."""
    api = all_cordoned
    first, second = _web_pods(api)[:2]
    assert _evict(api, first.metadata.name)[0] == 201
    node = second.spec.node_name
    result = target.kubectl(
        "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=7s"
    )
    assert result.returncode == 1
    blocked = (
        rf'error when evicting pods/"{second.metadata.name}" -n "shop" \(will retry after 5s\):'
        r" Cannot evict pod as it would violate the pod's disruption budget\."
    )
    assert re.search(blocked, result.stderr), result.stderr
    assert f'error: unable to drain node "{node}"' in result.stderr
    survivor = client.CoreV1Api(api).read_namespaced_pod(second.metadata.name, "shop")
    assert survivor.metadata.deletion_timestamp is None
    pending = wait_for(
        lambda: [p for p in _web_pods(api) if p.status.phase == "Pending"],
        10,
        "the evicted pod's replacement",
    )
    assert [p.spec.node_name for p in pending] == [None]


def test_kubectl_drain_moves_pods_off_the_node(target: Target, api: client.ApiClient) -> None:
    """kubectl drain evicts all but DaemonSet pods; replacements run on other nodes."""
    node = "us-node-1"
    try:
        result = target.kubectl(
            "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s"
        )
        assert result.returncode == 0, result.stderr
        assert f"node/{node} cordoned" in result.stdout
        assert f"node/{node} drained" in result.stdout
        on_node = client.CoreV1Api(api).list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={node}"
        )
        assert {p.metadata.name.rsplit("-", 1)[0] for p in on_node.items} == {"log-agent"}

        def moved() -> bool:
            web = client.AppsV1Api(api).read_namespaced_deployment("web", "shop").status
            cart = client.AppsV1Api(api).read_namespaced_stateful_set("cart", "shop").status
            return web.ready_replicas == 3 and cart.ready_replicas == 2

        assert wait_for(moved, 60, "web and cart ready elsewhere")
        placed = client.CoreV1Api(api).list_namespaced_pod("shop").items
        assert all(
            p.spec.node_name != node for p in placed if not p.metadata.name.startswith("log-agent")
        )
    finally:
        target.kubectl("uncordon", node)
