"""Seed a real apiserver with the sandbox's default world (drillkit.sandbox.world) and wait."""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from drillkit.sandbox.world import Namespace, Workload, World
from tests.realapi.rawapi import raw

VIEWER_ROLE = "drillkit:viewer"
IMAGE = "registry.sandbox.test/shop/{name}:1.0"  # the twin's image names


def _create(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except ApiException as exc:
        if exc.status != 409:
            raise


def grant_viewer(api_client: client.ApiClient, user: str) -> None:
    """Bind ``user`` to a ClusterRole with get/list/watch on everything (the twin's viewer)."""
    rbac = client.RbacAuthorizationV1Api(api_client)
    role = {
        "metadata": {"name": VIEWER_ROLE},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}],
    }
    binding = {
        "metadata": {"name": VIEWER_ROLE},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": VIEWER_ROLE,
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }
    _create(rbac.create_cluster_role, role)
    _create(rbac.create_cluster_role_binding, binding)


def _pod_template(name: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": name}},
        "spec": {
            "containers": [
                {
                    "name": name,
                    "image": IMAGE.format(name=name),
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                }
            ],
        },
    }


def _seed_workload(api_client: client.ApiClient, ns: str, wl: Workload) -> None:
    apps = client.AppsV1Api(api_client)
    selector = {"matchLabels": {"app": wl.name}}
    meta = {"name": wl.name, "namespace": ns, "labels": {"app": wl.name}}
    template = _pod_template(wl.name)
    if wl.kind == "Deployment":
        spec = {"replicas": wl.replicas, "selector": selector, "template": template}
        _create(apps.create_namespaced_deployment, ns, {"metadata": meta, "spec": spec})
    elif wl.kind == "StatefulSet":
        spec = {
            "replicas": wl.replicas,
            "serviceName": wl.name,
            "selector": selector,
            "template": template,
        }
        _create(apps.create_namespaced_stateful_set, ns, {"metadata": meta, "spec": spec})
    else:
        spec = {"selector": selector, "template": template}
        _create(apps.create_namespaced_daemon_set, ns, {"metadata": meta, "spec": spec})
    if wl.pdb is not None:
        pdb_spec: dict[str, Any] = {"selector": selector}
        if wl.pdb.max_unavailable is not None:
            pdb_spec["maxUnavailable"] = wl.pdb.max_unavailable
        else:
            pdb_spec["minAvailable"] = wl.pdb.min_available
        body = {
            "apiVersion": "policy/v1beta1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": wl.name, "namespace": ns},
            "spec": pdb_spec,
        }
        # kube-apiserver 1.20 serves PodDisruptionBudgets as policy/v1beta1 only
        path = f"/apis/policy/v1beta1/namespaces/{ns}/poddisruptionbudgets"
        status, answer = raw(api_client, "POST", path, body)
        if status not in (201, 409):
            raise RuntimeError(f"creating PodDisruptionBudget {wl.name}: {status} {answer}")
    if wl.hpa is not None:
        low, high = wl.hpa
        hpa = {
            "metadata": {"name": wl.name, "namespace": ns},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": wl.kind, "name": wl.name},
                "minReplicas": low,
                "maxReplicas": high,
            },
        }
        _create(
            client.AutoscalingV1Api(api_client).create_namespaced_horizontal_pod_autoscaler, ns, hpa
        )


def seed_world(api_client: client.ApiClient, world: World) -> None:
    """Create every namespace and workload of the world (idempotent on 409)."""
    core = client.CoreV1Api(api_client)
    for namespace in world.namespaces:
        _create(core.create_namespace, {"metadata": {"name": namespace.name}})
        for wl in namespace.workloads:
            _seed_workload(api_client, namespace.name, wl)


def _settled(api_client: client.ApiClient, namespace: Namespace, nodes: int) -> bool:
    apps = client.AppsV1Api(api_client)
    for wl in namespace.workloads:
        if wl.kind == "Deployment":
            st = apps.read_namespaced_deployment(wl.name, namespace.name).status
            want = wl.replicas
        elif wl.kind == "StatefulSet":
            st = apps.read_namespaced_stateful_set(wl.name, namespace.name).status
            want = wl.replicas
        else:
            ds = apps.read_namespaced_daemon_set(wl.name, namespace.name).status
            if (ds.number_ready or 0) != nodes or (ds.desired_number_scheduled or 0) != nodes:
                return False
            continue
        if (st.ready_replicas or 0) != want or (st.replicas or 0) != want:
            return False
    return True


def wait_settled(api_client: client.ApiClient, world: World, nodes: int, timeout: float) -> None:
    """Wait (bounded) until every workload has all its replicas ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_settled(api_client, ns, nodes) for ns in world.namespaces):
            return
        time.sleep(0.25)
    raise TimeoutError(f"the seeded world did not settle within {timeout:.0f} s")
