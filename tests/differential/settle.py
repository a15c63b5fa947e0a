"""Bounded waits on cluster state, and normalization of what scenarios observe."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from kubernetes import client

from tests.differential.targets import raw

T = TypeVar("T")
NODES = ["us-node-1", "us-node-2", "us-node-3"]
VOLATILE = {"uid", "resourceVersion", "creationTimestamp", "managedFields", "selfLink"}


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, tick: float = 0.1) -> T:
    """Poll ``probe`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(tick)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def _world_settled(api: client.ApiClient) -> bool:
    apps = client.AppsV1Api(api)
    web = apps.read_namespaced_deployment("web", "shop")
    cart = apps.read_namespaced_stateful_set("cart", "shop")
    agent = apps.read_namespaced_daemon_set("log-agent", "shop")
    nodes = client.CoreV1Api(api).list_node().items
    pods = client.CoreV1Api(api).list_namespaced_pod("shop").items
    pdb = pdb_status(api)
    return (
        web.spec.replicas == 3
        and web.status.ready_replicas == 3
        and web.status.replicas == 3
        and web.status.updated_replicas == 3
        and cart.spec.replicas == 2
        and cart.status.ready_replicas == 2
        and cart.status.replicas == 2
        and agent.status.number_ready == 3
        and not any(n.spec.unschedulable for n in nodes)
        and len(pods) == 3 + 2 + len(nodes)
        and not any(p.metadata.deletion_timestamp for p in pods)
        and pdb.get("disruptionsAllowed") == 1
    )


def wait_world_settled(api: client.ApiClient, timeout: float = 60) -> None:
    """Wait until shop is back to its seeded shape (a previous scenario may have changed it)."""
    wait_for(lambda: _world_settled(api), timeout, "the default world to settle", tick=0.2)


def pdb_version(api: client.ApiClient) -> str:
    """policy/v1 when the server serves it (>= 1.21), else policy/v1beta1 (1.20)."""
    status, body = raw(api, "GET", "/apis/policy")
    versions = (
        [v["groupVersion"] for v in (body or {}).get("versions", [])] if status == 200 else []
    )
    return "policy/v1" if "policy/v1" in versions else "policy/v1beta1"


def eviction_version(api: client.ApiClient) -> str:
    """The Eviction body version the server accepts: policy/v1 from 1.22, policy/v1beta1 before."""
    version = client.VersionApi(api).get_code()
    minor = int("".join(ch for ch in version.minor if ch.isdigit()) or 0)
    return "policy/v1" if (int(version.major), minor) >= (1, 22) else "policy/v1beta1"


def pdb_status(api: client.ApiClient, name: str = "web") -> dict[str, Any]:
    """The PodDisruptionBudget's status as served (raw JSON, so omitted fields stay omitted)."""
    status, body = raw(
        api, "GET", f"/apis/{pdb_version(api)}/namespaces/shop/poddisruptionbudgets/{name}"
    )
    assert status == 200, body
    return dict(body.get("status") or {})


def normalize(value: Any) -> Any:
    """Drop volatile metadata (uids, resourceVersions, timestamps) recursively."""
    if isinstance(value, dict):
        return {
            k: normalize(v)
            for k, v in value.items()
            if k not in VOLATILE and not k.endswith(("Timestamp", "Time"))
        }
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value
