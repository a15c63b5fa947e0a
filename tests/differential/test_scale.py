"""Scale to zero and back through the /scale subresource (autoscaling/v1 Scale bodies)."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.differential.settle import normalize, wait_for, wait_world_settled
from tests.differential.targets import raw

WEB = "/apis/apps/v1/namespaces/shop/deployments/web"
CART = "/apis/apps/v1/namespaces/shop/statefulsets/cart"


def _scale(api: client.ApiClient, path: str, replicas: int) -> dict[str, Any]:
    status, body = raw(
        api,
        "PATCH",
        f"{path}/scale",
        {"spec": {"replicas": replicas}},
        "application/merge-patch+json",
    )
    assert status == 200, body
    return dict(normalize(body))


def _read(api: client.ApiClient, path: str) -> dict[str, Any]:
    status, body = raw(api, "GET", path)
    assert status == 200, body
    return dict(body)


def _observed(api: client.ApiClient, path: str) -> dict[str, Any] | None:
    obj = _read(api, path)
    status = obj.get("status") or {}
    if status.get("observedGeneration") != obj["metadata"]["generation"]:
        return None
    return obj


def _minor(api: client.ApiClient) -> int:
    minor = client.VersionApi(api).get_code().minor
    return int("".join(ch for ch in minor if ch.isdigit()))


@pytest.mark.parametrize(
    ("path", "replicas", "zero_keys"),
    [
        (WEB, 3, {"observedGeneration", "conditions"}),
        (
            CART,
            2,
            {
                "observedGeneration",
                "replicas",
                "currentRevision",
                "updateRevision",
                "collisionCount",
            },
        ),
    ],
    ids=["deployment", "statefulset"],
)
def test_scale_to_zero_and_back(
    api: client.ApiClient, path: str, replicas: int, zero_keys: set[str]
) -> None:
    """Scale answers the new spec, status omits zero counts, observedGeneration catches up."""
    kind = "Deployment" if path == WEB else "StatefulSet"
    name = path.rsplit("/", 1)[1]
    try:
        before = _read(api, f"{path}/scale")
        assert normalize(before) == {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"replicas": replicas},
            "status": {"replicas": replicas, "selector": f"app={name}"},
        }
        answer = _scale(api, path, 0)
        assert answer["spec"] == {}  # ScaleSpec.replicas is omitempty

        def at_zero() -> dict[str, Any] | None:
            obj = _observed(api, path)
            pods = client.CoreV1Api(api).list_namespaced_pod("shop", label_selector=f"app={name}")
            if obj is None or pods.items or (obj["status"].get("replicas") or 0) != 0:
                return None
            return obj

        zero = wait_for(at_zero, 60, f"{kind} {name} at zero")
        if kind == "StatefulSet" and _minor(api) >= 22:
            # StatefulSetStatus.availableReplicas exists from 1.22 on, without omitempty
            zero_keys = zero_keys | {"availableReplicas"}
        assert set(zero["status"]) == zero_keys
        assert zero["status"].get("replicas", 0) == 0
        assert "readyReplicas" not in zero["status"]
        assert normalize(_read(api, f"{path}/scale"))["status"] == {
            "replicas": 0,
            "selector": f"app={name}",
        }

        answer = _scale(api, path, replicas)
        assert answer["spec"] == {"replicas": replicas}

        def back() -> dict[str, Any] | None:
            obj = _observed(api, path)
            if obj is None or obj["status"].get("readyReplicas") != replicas:
                return None
            return obj

        restored = wait_for(back, 60, f"{kind} {name} back at {replicas}")
        assert restored["status"]["replicas"] == replicas
        assert restored["spec"]["replicas"] == replicas
    finally:
        _scale(api, path, replicas)
        wait_world_settled(api)
