"""Nodes: list, read, cordon and uncordon."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from drillkit.adapters.kube.connection import FIELD_MANAGER, STRATEGIC_MERGE, KubeConnection
from drillkit.adapters.ports import NodeState
from drillkit.errors import PermanentAdapterError


class KubeNodes(KubeConnection):
    """``Nodes``."""

    def list_nodes(self, selector: dict[str, str]) -> list[NodeState]:
        label_selector = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        nodes = self.read_json("list nodes", "/api/v1/nodes", labelSelector=label_selector)
        return [_node(n) for n in nodes.items]

    def get_node(self, name: str) -> NodeState | None:
        try:
            return _node(
                self.read_json(f"read node {name}", f"/api/v1/nodes/{quote(name, safe='')}")
            )
        except PermanentAdapterError as e:
            if e.status == 404:
                return None
            raise

    def set_unschedulable(self, name: str, value: bool) -> None:
        self.write_json(
            f"{'cordon' if value else 'uncordon'} node {name}",
            "PATCH",
            f"/api/v1/nodes/{quote(name, safe='')}",
            {"spec": {"unschedulable": value}},
            STRATEGIC_MERGE,
            fieldManager=FIELD_MANAGER,
        )


def _node(node: Any) -> NodeState:
    conditions = (node.status.conditions if node.status else None) or []
    ready = any(c.type == "Ready" and c.status == "True" for c in conditions) or not conditions
    return NodeState(node.metadata.name, bool(node.spec and node.spec.unschedulable), ready)
