"""drillkit's run annotations on Nodes, Deployments and StatefulSets: write, clear, find."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from drillkit.adapters.kube.connection import STRATEGIC_MERGE, KubeConnection
from drillkit.adapters.ports import MarkedObject
from drillkit.core.markers import RUN


class KubeMarkers(KubeConnection):
    """``Markers``: a merge patch of ``metadata.annotations`` (null removes a key)."""

    def annotate(
        self, kind: str, namespace: str, name: str, values: Mapping[str, str | None]
    ) -> None:
        """Set (or with None, remove) annotations; removing absent ones writes nothing."""
        if all(v is None for v in values.values()) and not (
            set(values) & set(self._current(kind, namespace, name))
        ):
            return
        body = {"metadata": {"annotations": dict(values)}}
        if kind == "Node":  # plain JSON: a drain marks every node, and the SDK's models are slow
            self.write_json(
                f"annotate node {name}",
                "PATCH",
                f"/api/v1/nodes/{quote(name, safe='')}",
                body,
                STRATEGIC_MERGE,
            )
        elif kind == "Deployment":
            self._call(
                f"annotate Deployment {namespace}/{name}",
                lambda: self.apps.patch_namespaced_deployment(name, namespace, body),
            )
        elif kind == "StatefulSet":
            self._call(
                f"annotate StatefulSet {namespace}/{name}",
                lambda: self.apps.patch_namespaced_stateful_set(name, namespace, body),
            )
        else:
            raise ValueError(f"drillkit does not mark {kind} objects")

    def _current(self, kind: str, namespace: str, name: str) -> dict[str, str]:
        if kind == "Node":
            node = self.read_json(f"read Node {name}", f"/api/v1/nodes/{quote(name, safe='')}")
            return _annotations(node)
        read = {
            "Node": lambda: self.core.read_node(name),
            "Deployment": lambda: self.apps.read_namespaced_deployment(name, namespace),
            "StatefulSet": lambda: self.apps.read_namespaced_stateful_set(name, namespace),
        }[kind]
        return _annotations(self._call(f"read {kind} {name}", read))

    def marked(self) -> list[MarkedObject]:
        """Every Node, Deployment and StatefulSet (all namespaces) carrying ``drillkit.dev/run``."""
        found: list[MarkedObject] = []
        for kind, items in (
            ("Node", self._call("list nodes", self.core.list_node).items),
            ("Deployment", self._call(
                "list deployments", self.apps.list_deployment_for_all_namespaces).items),
            ("StatefulSet", self._call(
                "list statefulsets", self.apps.list_stateful_set_for_all_namespaces).items),
        ):  # fmt: skip
            found += [_marked(kind, obj) for obj in items if RUN in _annotations(obj)]
        return found


def _annotations(obj: Any) -> dict[str, str]:
    return dict((obj.metadata.annotations if obj.metadata else None) or {})


def _marked(kind: str, obj: Any) -> MarkedObject:
    return MarkedObject(kind, obj.metadata.namespace or "", obj.metadata.name, _annotations(obj))
