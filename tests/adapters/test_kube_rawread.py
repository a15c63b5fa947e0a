"""The plain-JSON read path of the kube adapter (``drillkit.adapters.kube.rawread``)."""

from __future__ import annotations

from drillkit.adapters.kube.rawread import View, camel, wrap


def test_attribute_names_map_to_json_names() -> None:
    """SDK attribute names (snake_case) are read from the JSON (camelCase) fields."""
    assert camel("owner_references") == "ownerReferences"
    assert camel("node_name") == "nodeName"
    assert camel("metadata") == "metadata"


def test_view_reads_like_the_sdk_model() -> None:
    """Nested objects and lists read as attributes; a missing field is None; maps stay dicts."""
    pod = wrap(
        {
            "metadata": {
                "name": "web-1",
                "labels": {"app": "web", "items": "x"},
                "ownerReferences": [{"kind": "ReplicaSet", "controller": True}],
            },
            "spec": {"nodeName": "n1", "volumes": [{"name": "v", "emptyDir": {}}]},
            "items": [1],
        }
    )
    assert isinstance(pod, View)
    assert pod.metadata.name == "web-1"
    assert pod.metadata.labels == {"app": "web", "items": "x"}
    assert sorted(pod.metadata.labels.items()) == [("app", "web"), ("items", "x")]
    assert pod.metadata.owner_references[0].kind == "ReplicaSet"
    assert pod.spec.node_name == "n1"
    assert pod.spec.volumes[0].empty_dir is not None
    assert pod.status is None
    assert pod.metadata.annotations is None
    assert pod.items == [1]  # a list field named like a dict method is the field
