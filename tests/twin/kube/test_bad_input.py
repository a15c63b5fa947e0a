"""Bad input gets the apiserver's status codes and Status bodies, never a 500, never damage."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillkit.sandbox.runtime import SandboxThread

NODE = "/api/v1/nodes/us-node-1"
DEPLOYMENTS = "/apis/apps/v1/namespaces/shop/deployments"


@pytest.fixture
def http(sandbox: SandboxThread) -> Iterator[httpx.Client]:
    """An httpx client with the operator's token and the sandbox CA, once the world has settled
    (so that comparisons before and after a refused request see no controller at work)."""
    assert sandbox.run(sandbox.sandbox.settled())
    config = yaml.safe_load(Path(sandbox.info["kubeconfig"]).read_text())
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "sandbox-operator")
    with httpx.Client(
        base_url=sandbox.info["regions"]["us"]["apiServer"],
        verify=ssl.create_default_context(cafile=sandbox.info["caFile"]),
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


def status_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == response.status_code
    return body


def test_malformed_json_is_400_and_creates_nothing(http: httpx.Client) -> None:
    """A create with a broken body is BadRequest and leaves the collection as it was."""
    before = http.get(DEPLOYMENTS).json()["items"]
    response = http.post(
        DEPLOYMENTS, content=b'{"metadata": {"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert status_of(response)["reason"] == "BadRequest"
    assert http.get(DEPLOYMENTS).json()["items"] == before


def test_unknown_resource_is_404(http: httpx.Client) -> None:
    """An unserved resource or group is NotFound with a Status body."""
    for path in ("/api/v1/widgets", "/apis/example.com/v1/things", "/apis/apps/v9/deployments"):
        response = http.get(path)
        assert response.status_code == 404, path
        assert status_of(response)["reason"] == "NotFound"


def test_unsupported_patch_type_is_415(http: httpx.Client) -> None:
    """A PATCH with a content type no patch strategy accepts is UnsupportedMediaType."""
    response = http.patch(NODE, content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "accepted media types include" in status_of(response)["message"]


def test_wrong_json_type_is_400_and_node_unchanged(http: httpx.Client) -> None:
    """``unschedulable: "yes"`` cannot decode into a bool: 400, node still schedulable."""
    response = http.patch(
        NODE,
        content=json.dumps({"spec": {"unschedulable": "yes"}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 400
    assert "NodeSpec.spec.unschedulable" in status_of(response)["message"]
    assert "unschedulable" not in http.get(NODE).json()["spec"]


def test_failed_json_patch_test_is_422_and_atomic(http: httpx.Client) -> None:
    """A JSON patch whose ``test`` op fails applies none of its ops."""
    ops = [
        {"op": "add", "path": "/metadata/labels/half", "value": "done"},
        {"op": "test", "path": "/spec/unschedulable", "value": True},
    ]
    response = http.patch(
        NODE, content=json.dumps(ops), headers={"Content-Type": "application/json-patch+json"}
    )
    assert response.status_code == 422
    assert "half" not in http.get(NODE).json()["metadata"]["labels"]


def test_invalid_name_is_422_with_causes(http: httpx.Client) -> None:
    """An object named with capitals is Invalid, with a cause on metadata.name."""
    body = {"metadata": {"name": "Bad_Name"}, "spec": {"holderIdentity": "x"}}
    response = http.post("/apis/coordination.k8s.io/v1/namespaces/shop/leases", json=body)
    assert response.status_code == 422
    status = status_of(response)
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_negative_scale_is_422(http: httpx.Client) -> None:
    """Scaling to -1 is Invalid and web keeps its replicas."""
    response = http.patch(
        f"{DEPLOYMENTS}/web/scale",
        json={"spec": {"replicas": -1}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 422
    assert "must be greater than or equal to 0" in status_of(response)["message"]
    assert http.get(f"{DEPLOYMENTS}/web").json()["spec"]["replicas"] == 3


def test_missing_or_wrong_token_is_401(http: httpx.Client) -> None:
    """No token or an unknown one is Unauthorized, even for discovery."""
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer nope"}):
        response = http.get("/api/v1/nodes", headers=headers)
        assert response.status_code == 401
        assert status_of(response)["reason"] == "Unauthorized"
    assert http.get("/apis", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_bearer_scheme_is_case_insensitive(http: httpx.Client) -> None:
    """ "bearer TOKEN", as the official client's in-cluster loader sends it, is accepted: "It uses
    a case-insensitive token as a means to identify the authentication scheme" (RFC 7235,
    section 2.1, https://www.rfc-editor.org/rfc/rfc7235#section-2.1)."""
    token = str(http.headers["Authorization"]).split(" ", 1)[1]
    for scheme in ("bearer", "BEARER"):
        response = http.get("/api/v1/nodes", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, response.text


def test_name_mismatch_on_update_is_400(http: httpx.Client) -> None:
    """A PUT whose body names another object is BadRequest."""
    node = http.get(NODE).json()
    node["metadata"]["name"] = "us-node-9"
    response = http.put(NODE, json=node)
    assert response.status_code == 400
    assert "does not match the name on the URL" in status_of(response)["message"]


def test_bad_list_parameters_are_400(http: httpx.Client) -> None:
    """A bad continue token, limit or watch resourceVersion is BadRequest."""
    for params in (
        {"continue": "%%%"},
        {"limit": "many"},
        {"watch": "true", "resourceVersion": "abc"},
    ):
        response = http.get("/api/v1/pods", params=params)
        assert response.status_code == 400, params
        assert status_of(response)["reason"] == "BadRequest"


def test_binary_garbage_is_400(http: httpx.Client) -> None:
    """Bytes that are not UTF-8 JSON are BadRequest."""
    response = http.post(
        DEPLOYMENTS, content=b"\xff\xfe\x00garbage", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
patch_bodies = st.dictionaries(
    st.sampled_from(["spec", "metadata", "status", "kind", "apiVersion"]),
    json_values
    | st.dictionaries(
        st.sampled_from(["replicas", "selector", "template", "labels", "name", "strategy"]),
        json_values,
        max_size=3,
    ),
    max_size=3,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=patch_bodies)
def test_random_merge_patches_never_500_or_corrupt(http: httpx.Client, body: Any) -> None:
    """Any merge patch of web is answered 200/400/422; a refused one changes nothing."""
    before = http.get(f"{DEPLOYMENTS}/web").json()
    response = http.patch(
        f"{DEPLOYMENTS}/web",
        content=json.dumps(body),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code in (200, 400, 409, 422), response.text
    after = http.get(f"{DEPLOYMENTS}/web").json()
    if response.status_code != 200:
        assert after["spec"] == before["spec"]
        assert after["metadata"].get("labels") == before["metadata"].get("labels")
    else:
        assert isinstance(after["spec"].get("replicas", 1), int)
        unconditional = {k: v for k, v in before["metadata"].items() if k != "resourceVersion"}
        restored = http.put(f"{DEPLOYMENTS}/web", json={**before, "metadata": unconditional})
        assert restored.status_code == 200, restored.text


def test_subresources_accept_only_their_verbs(http: httpx.Client) -> None:
    """GET on an eviction or DELETE on a status is MethodNotAllowed and removes nothing."""
    pods = http.get("/api/v1/namespaces/shop/pods").json()["items"]
    name = pods[0]["metadata"]["name"]
    base = f"/api/v1/namespaces/shop/pods/{name}"
    assert http.get(f"{base}/eviction").status_code == 405
    response = http.delete(f"{base}/status")
    assert response.status_code == 405
    assert status_of(response)["reason"] == "MethodNotAllowed"
    assert http.get(base).status_code == 200
