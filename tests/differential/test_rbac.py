"""RBAC refusals: a viewer's mutation is a 403 Forbidden Status; kubectl auth can-i answers."""

from __future__ import annotations

import json
import re

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.differential.targets import Target

STATUS_KEYS = ("kind", "apiVersion", "status", "reason", "code", "details")


def _status(exc: ApiException) -> dict[str, object]:
    body = json.loads(exc.body)
    return {k: body.get(k) for k in (*STATUS_KEYS, "message")}


def test_viewer_patch_is_forbidden(api: client.ApiClient, viewer_api: client.ApiClient) -> None:
    """A viewer's patch of a Deployment answers 403 Forbidden naming the verb; nothing changes."""
    with pytest.raises(ApiException) as caught:
        client.AppsV1Api(viewer_api).patch_namespaced_deployment(
            "web", "shop", {"metadata": {"labels": {"drill": "viewer"}}}
        )
    assert caught.value.status == 403
    status = _status(caught.value)
    message = str(status.pop("message"))
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
    }
    assert re.fullmatch(
        r'deployments\.apps "web" is forbidden: User "[^"]+" cannot patch resource "deployments"'
        r' in API group "apps" in the namespace "shop"',
        message,
    ), message
    labels = client.AppsV1Api(api).read_namespaced_deployment("web", "shop").metadata.labels
    assert "drill" not in labels


def test_viewer_eviction_is_forbidden(api: client.ApiClient, viewer_api: client.ApiClient) -> None:
    """A viewer cannot create pods/eviction: 403 naming the subresource, and the pod stays."""
    pod = client.CoreV1Api(api).list_namespaced_pod("shop", label_selector="app=web").items[0]
    name = pod.metadata.name
    body = {"apiVersion": "policy/v1beta1", "kind": "Eviction", "metadata": {"name": name}}
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(viewer_api).create_namespaced_pod_eviction(name, "shop", body)
    assert caught.value.status == 403
    status = _status(caught.value)
    message = str(status.pop("message"))
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "details": {"name": name, "kind": "pods"},
    }
    assert re.fullmatch(
        rf'pods "{name}" is forbidden: User "[^"]+" cannot create resource "pods/eviction"'
        r' in API group "" in the namespace "shop"',
        message,
    ), message
    again = client.CoreV1Api(api).read_namespaced_pod(name, "shop")
    assert again.metadata.deletion_timestamp is None


def test_viewer_kubectl_cordon_is_refused(target: Target, api: client.ApiClient) -> None:
    """kubectl cordon as the viewer prints the Forbidden error (kubectl still exits 0)."""
    result = target.kubectl("cordon", "us-node-1", viewer=True)
    assert (result.returncode, result.stdout) == (0, "")
    assert re.fullmatch(
        r'error: unable to cordon node "us-node-1": nodes "us-node-1" is forbidden: User "[^"]+"'
        r' cannot patch resource "nodes" in API group "" at the cluster scope\n',
        result.stderr,
    ), result.stderr
    assert not client.CoreV1Api(api).read_node("us-node-1").spec.unschedulable


@pytest.mark.parametrize(
    ("viewer", "verb", "resource", "answer"),
    [
        (True, "get", "pods", "yes"),
        (True, "list", "deployments.apps", "yes"),
        (True, "watch", "nodes", "yes"),
        (True, "patch", "deployments.apps", "no"),
        (True, "create", "pods/eviction", "no"),
        (True, "patch", "nodes", "no"),
        (True, "update", "deployments.apps/scale", "no"),
        (False, "patch", "nodes", "yes"),
        (False, "create", "pods/eviction", "yes"),
        (False, "update", "deployments.apps/scale", "yes"),
    ],
)
def test_kubectl_auth_can_i(
    target: Target, viewer: bool, verb: str, resource: str, answer: str
) -> None:
    """kubectl auth can-i (SelfSubjectAccessReview) answers yes/no with exit code 0/1."""
    result = target.kubectl("auth", "can-i", verb, resource, "-n", "shop", viewer=viewer)
    assert (result.stdout, result.returncode) == (f"{answer}\n", 0 if answer == "yes" else 1)
