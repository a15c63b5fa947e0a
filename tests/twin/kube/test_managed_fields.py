"""metadata.managedFields on the twin: who last wrote which field, per write path.

Kubernetes API reference (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/
deployment-v1/), query parameter fieldManager: "fieldManager is a name associated with the actor
or entity that is making these changes. The value must be less than or 128 characters long, and
only contain printable characters". ManagedFieldsEntry
(https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/):
"Manager is an identifier of the workflow managing these fields."
"""

from __future__ import annotations

from typing import Any

import pytest

from drillkit.sandbox.kube.managed import owner_of
from drillkit.sandbox.runtime import SandboxThread
from tests.realapi.rawapi import raw
from tests.twin.kube.conftest import Clients, settled

DEPLOYMENTS = "/apis/apps/v1/namespaces/shop/deployments"


def _deployment(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": "registry.sandbox.test/x:1"}]},
            },
        },
    }


def _managers(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (e["manager"], e["operation"], e.get("subresource", ""))
        for e in obj["metadata"].get("managedFields") or []
    ]


def _create(us: Clients, name: str, manager: str = "alpha") -> dict[str, Any]:
    status, body = raw(us.api, "POST", f"{DEPLOYMENTS}?fieldManager={manager}", _deployment(name))
    assert status == 201, body
    return dict(body)


def test_create_records_the_field_manager_as_fields_v1(us: Clients) -> None:
    """A create with ?fieldManager= records one Update entry owning every field it set."""
    body = _create(us, "mf-create")
    [entry] = [e for e in body["metadata"]["managedFields"] if e["manager"] == "alpha"]
    assert entry["operation"] == "Update"
    assert entry["apiVersion"] == "apps/v1"
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["time"].endswith("Z")
    fields = entry["fieldsV1"]
    assert fields["f:spec"]["f:replicas"] == {}
    assert fields["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    containers = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert set(containers['k:{"name":"mf-create"}']) >= {".", "f:image", "f:name"}
    assert "f:status" not in fields


def test_default_manager_is_the_user_agent_prefix(us: Clients) -> None:
    """Without ?fieldManager= the manager is the User-Agent up to its first "/"."""
    status, body = raw(us.api, "POST", DEPLOYMENTS, _deployment("mf-agent"))
    assert status == 201, body
    assert ("OpenAPI-Generator", "Update", "") in _managers(body)


@pytest.mark.parametrize(
    ("content_type", "patch"),
    [
        ("application/merge-patch+json", {"spec": {"replicas": 5}}),
        ("application/strategic-merge-patch+json", {"spec": {"replicas": 5}}),
        ("application/json-patch+json", [{"op": "replace", "path": "/spec/replicas", "value": 5}]),
    ],
    ids=["merge", "strategic", "json"],
)
def test_each_patch_type_moves_the_field_to_its_writer(
    us: Clients, content_type: str, patch: Any
) -> None:
    """A patch of spec.replicas makes its writer the owner; the creator keeps its other fields."""
    name = f"mf-{content_type.split('/')[1].split('-', maxsplit=1)[0]}"
    _create(us, name)
    status, body = raw(
        us.api, "PATCH", f"{DEPLOYMENTS}/{name}?fieldManager=beta", patch, content_type
    )
    assert status == 200, body
    assert owner_of(body, "spec", "replicas")["manager"] == "beta"  # type: ignore[index]
    alpha = next(e for e in body["metadata"]["managedFields"] if e["manager"] == "alpha")
    assert "f:replicas" not in alpha["fieldsV1"]["f:spec"]
    assert "f:template" in alpha["fieldsV1"]["f:spec"]


def test_scale_subresource_is_recorded_with_its_subresource(us: Clients) -> None:
    """A write through /scale owns spec.replicas under subresource "scale"."""
    _create(us, "mf-scale")
    status, body = raw(
        us.api,
        "PATCH",
        f"{DEPLOYMENTS}/mf-scale/scale?fieldManager=drillkit",
        {"spec": {"replicas": 0}},
        "application/merge-patch+json",
    )
    assert status == 200, body
    _, obj = raw(us.api, "GET", f"{DEPLOYMENTS}/mf-scale")
    owner = owner_of(obj, "spec", "replicas")
    assert owner is not None
    assert (owner["manager"], owner["subresource"]) == ("drillkit", "scale")
    assert owner["fieldsV1"] == {"f:spec": {"f:replicas": {}}}


def test_update_keeps_unchanged_fields_with_their_owner(us: Clients) -> None:
    """A PUT that changes one label gives only that label to the updater."""
    _create(us, "mf-put")
    _, obj = raw(us.api, "GET", f"{DEPLOYMENTS}/mf-put")
    del obj["metadata"]["resourceVersion"]  # the controllers write its status meanwhile
    obj["metadata"]["labels"]["tier"] = "front"
    status, body = raw(us.api, "PUT", f"{DEPLOYMENTS}/mf-put?fieldManager=gamma", obj)
    assert status == 200, body
    gamma = next(e for e in body["metadata"]["managedFields"] if e["manager"] == "gamma")
    assert gamma["fieldsV1"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    assert owner_of(body, "spec", "replicas")["manager"] == "alpha"  # type: ignore[index]


def test_a_no_op_write_adds_no_entry(us: Clients) -> None:
    """A patch that changes nothing leaves managedFields as they were."""
    before = _create(us, "mf-noop")
    status, body = raw(
        us.api,
        "PATCH",
        f"{DEPLOYMENTS}/mf-noop?fieldManager=idle",
        {"spec": {"replicas": 2}},
        "application/merge-patch+json",
    )
    assert status == 200, body
    assert "idle" not in [m for m, _, _ in _managers(body)]
    assert owner_of(body, "spec", "replicas") == owner_of(before, "spec", "replicas")


def test_one_empty_entry_strips_managed_fields(us: Clients) -> None:
    """managedFields: [{}] strips them all; managedFields: [] changes nothing.

    https://kubernetes.io/docs/reference/using-api/server-side-apply/ (Clearing managedFields):
    "setting the managedFields to an empty list will not reset the field. This is on purpose,
    so managedFields never get stripped by clients not aware of the field."
    """
    _create(us, "mf-reset")
    path = f"{DEPLOYMENTS}/mf-reset?fieldManager=delta"
    merge = "application/merge-patch+json"
    status, body = raw(us.api, "PATCH", path, {"metadata": {"managedFields": []}}, merge)
    assert status == 200, body
    assert "alpha" in [m for m, _, _ in _managers(body)]
    status, body = raw(us.api, "PATCH", path, {"metadata": {"managedFields": [{}]}}, merge)
    assert status == 200, body
    assert "managedFields" not in body["metadata"]


def test_a_too_long_field_manager_is_refused(us: Clients) -> None:
    """A fieldManager over 128 characters is a 422, and nothing is stored."""
    status, body = raw(us.api, "POST", f"{DEPLOYMENTS}?fieldManager={'x' * 129}", _deployment("a"))
    assert status == 422, body
    assert raw(us.api, "GET", f"{DEPLOYMENTS}/a")[0] == 404


def test_controllers_write_status_as_themselves(sandbox: SandboxThread, us: Clients) -> None:
    """Pods are created by kube-controller-manager, their status written by the kubelet."""
    settled(sandbox)
    pods = us.core.list_namespaced_pod("shop", label_selector="app=web").items
    managers = {(e.manager, e.subresource or "") for e in pods[0].metadata.managed_fields}
    assert ("kube-controller-manager", "") in managers
    assert ("kubelet", "status") in managers
    deployment = us.apps.read_namespaced_deployment("web", "shop")
    entries = {(e.manager, e.subresource or "") for e in deployment.metadata.managed_fields}
    assert ("kube-controller-manager", "status") in entries
