"""The last writer of spec.replicas, read from managedFields."""

from __future__ import annotations

from drillkit.core.reverts import last_writer

FIELDS = [
    {
        "manager": "argocd-application-controller",
        "operation": "Update",
        "time": "2026-11-30T21:00:00Z",
        "fieldsV1": {"f:metadata": {"f:labels": {}}, "f:spec": {"f:template": {}}},
    },
    {
        "manager": "keda-operator",
        "operation": "Update",
        "subresource": "scale",
        "time": "2026-11-30T21:05:00Z",
        "fieldsV1": {"f:spec": {"f:replicas": {}}},
    },
]


def test_the_entry_owning_the_field_is_its_last_writer() -> None:
    """ "the API server tracks ... which field manager last changed a field" (kubernetes.io/
    docs/reference/using-api/server-side-apply/): the owner of f:spec.f:replicas is named."""
    writer = last_writer(FIELDS, "spec", "replicas")
    assert writer is not None
    assert writer.describe() == "keda-operator (Update through /scale) at 2026-11-30T21:05:00Z"


def test_no_owner_when_no_entry_has_the_field() -> None:
    """A field nobody owns (old /scale writes on 1.20) has no writer."""
    assert last_writer(FIELDS[:1], "spec", "replicas") is None
    assert last_writer(None, "spec", "replicas") is None
