"""Who changed a field, read from ``metadata.managedFields`` (pure).

The API server records, per field manager, the fields it last wrote (FieldsV1: ``f:spec`` ->
``f:replicas``); a changed field moves to its writer's entry and leaves every other one
(kubernetes.io/docs/reference/using-api/server-side-apply/#field-management). So the entry
that owns ``f:spec.f:replicas`` is the last writer of spec.replicas. Clusters before 1.22 do not
record writes through /scale (kubernetes/kubernetes#82046): there the owner may be stale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldWriter:
    """The manager that last wrote a field, and how."""

    manager: str
    operation: str
    time: str | None = None
    subresource: str = ""

    def describe(self) -> str:
        via = f" through /{self.subresource}" if self.subresource else ""
        when = f" at {self.time}" if self.time else ""
        return f"{self.manager} ({self.operation}{via}){when}"


def _owns(fields: Any, path: Sequence[str]) -> bool:
    node = fields
    for part in path:
        if not isinstance(node, Mapping) or f"f:{part}" not in node:
            return False
        node = node[f"f:{part}"]
    return True


def last_writer(
    managed_fields: Sequence[Mapping[str, Any]] | None, *path: str
) -> FieldWriter | None:
    """The entry that owns ``path`` (e.g. ``"spec", "replicas"``); the newest one if several
    (Apply entries may share a field)."""
    owners = [
        FieldWriter(
            manager=str(entry.get("manager", "")),
            operation=str(entry.get("operation", "")),
            time=entry.get("time"),
            subresource=str(entry.get("subresource") or ""),
        )
        for entry in managed_fields or []
        if _owns(entry.get("fieldsV1"), path)
    ]
    if not owners:
        return None
    return max(owners, key=lambda w: w.time or "")
