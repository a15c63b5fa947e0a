"""metadata.managedFields: the same writes give the same managers on the twin and the real tier.

Compared: which (manager, operation) entries exist, and which manager owns ``spec.replicas``,
after a create, a PUT, each of the three patch types and a write through /scale, each with
``?fieldManager=``, and without it (the User-Agent's prefix). Not compared: ``subresource`` and
``time`` (the 1.20 tier predates ``subresource``), and the exact FieldsV1 documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from drillkit.sandbox.kube.managed import owner_of
from tests.differential.settle import wait_for
from tests.differential.targets import raw

DEPLOYMENTS = "/apis/apps/v1/namespaces/shop/deployments"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
NAME = "mf-diff"


def _body(replicas: int = 1) -> dict[str, Any]:
    return {
        "metadata": {"name": NAME, "labels": {"app": NAME}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {
                "metadata": {"labels": {"app": NAME}},
                "spec": {"containers": [{"name": NAME, "image": "registry.sandbox.test/x:1"}]},
            },
        },
    }


@pytest.fixture
def deployment(api: client.ApiClient) -> Iterator[str]:
    """A fresh Deployment created with fieldManager=alpha; deleted afterwards."""
    raw(api, "DELETE", f"{DEPLOYMENTS}/{NAME}")
    wait_for(lambda: raw(api, "GET", f"{DEPLOYMENTS}/{NAME}")[0] == 404, 30, "old one gone")
    status, body = raw(api, "POST", f"{DEPLOYMENTS}?fieldManager=alpha", _body())
    assert status == 201, body
    yield f"{DEPLOYMENTS}/{NAME}"
    raw(api, "DELETE", f"{DEPLOYMENTS}/{NAME}")


def _get(api: client.ApiClient, path: str) -> dict[str, Any]:
    status, body = raw(api, "GET", path)
    assert status == 200, body
    return dict(body)


def _managers(obj: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["manager"], e["operation"]) for e in obj["metadata"].get("managedFields") or []}


def _replicas_owner(obj: dict[str, Any]) -> str | None:
    entry = owner_of(obj, "spec", "replicas")
    return entry["manager"] if entry else None


def test_create_is_recorded_for_its_field_manager(api: client.ApiClient, deployment: str) -> None:
    """A create with ?fieldManager=alpha gives alpha an Update entry that owns spec.replicas."""
    obj = _get(api, deployment)
    assert ("alpha", "Update") in _managers(obj)
    entry = next(e for e in obj["metadata"]["managedFields"] if e["manager"] == "alpha")
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["apiVersion"] == "apps/v1"
    assert _replicas_owner(obj) == "alpha"


@pytest.mark.parametrize(
    ("content_type", "patch"),
    [
        (MERGE, {"spec": {"replicas": 2}}),
        (STRATEGIC, {"spec": {"replicas": 2}}),
        (JSON_PATCH, [{"op": "replace", "path": "/spec/replicas", "value": 2}]),
    ],
    ids=["merge", "strategic", "json"],
)
def test_a_patch_moves_spec_replicas_to_its_writer(
    api: client.ApiClient, deployment: str, content_type: str, patch: Any
) -> None:
    """After a patch of spec.replicas by beta, beta owns it and alpha keeps its other fields."""
    status, body = raw(api, "PATCH", f"{deployment}?fieldManager=beta", patch, content_type)
    assert status == 200, body
    assert _replicas_owner(body) == "beta"
    assert {("alpha", "Update"), ("beta", "Update")} <= _managers(body)


def test_update_moves_only_what_it_changed(api: client.ApiClient, deployment: str) -> None:
    """A PUT that adds a label gives gamma an entry; spec.replicas stays alpha's."""
    obj = _get(api, deployment)
    obj["metadata"].pop("resourceVersion")
    obj["metadata"]["labels"]["tier"] = "front"
    status, body = raw(api, "PUT", f"{deployment}?fieldManager=gamma", obj)
    assert status == 200, body
    assert ("gamma", "Update") in _managers(body)
    assert _replicas_owner(body) == "alpha"


def test_default_manager_is_the_user_agent_prefix(api: client.ApiClient, deployment: str) -> None:
    """Without ?fieldManager= the Python client's writes are OpenAPI-Generator's."""
    status, body = raw(api, "PATCH", deployment, {"spec": {"replicas": 3}}, MERGE)
    assert status == 200, body
    assert _replicas_owner(body) == "OpenAPI-Generator"


def _minor(api: client.ApiClient) -> int:
    return int("".join(ch for ch in client.VersionApi(api).get_code().minor if ch.isdigit()))


def test_scale_subresource_names_its_writer(api: client.ApiClient, deployment: str) -> None:
    """A /scale write with ?fieldManager=scaler makes scaler the owner of spec.replicas on the
    twin (which reports 1.32); the 1.20 tier records no entry for it and leaves the field with
    alpha.

    github.com/kubernetes/kubernetes/issues/82046: "Whenever someone sends a scale
    sub-resources request, the managed fields are not changed for that specific request";
    fixed by kubernetes/kubernetes#98377 ("Track ownership of scale subresource for all
    scalable resources"), which landed with the ``subresource`` field (#99210). On an older
    cluster a writer through /scale (the HPA controller, KEDA) cannot be named from
    managedFields.
    """
    status, body = raw(
        api, "PATCH", f"{deployment}/scale?fieldManager=scaler", {"spec": {"replicas": 0}}, MERGE
    )
    assert status == 200, body
    obj = _get(api, deployment)
    assert _replicas_owner(obj) == ("scaler" if _minor(api) >= 22 else "alpha")


def test_controller_status_writes_are_kube_controller_manager(
    api: client.ApiClient, deployment: str
) -> None:
    """The Deployment controller's writes are recorded as kube-controller-manager Updates."""
    obj = wait_for(
        lambda: (
            (o := _get(api, deployment))
            and ("kube-controller-manager", "Update") in _managers(o)
            and o
        ),
        30,
        "the controller's status write",
    )
    assert _replicas_owner(obj) == "alpha"
