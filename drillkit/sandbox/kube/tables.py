"""Server-side printing: the ``meta.k8s.io/v1`` Table that ``kubectl get`` asks for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.objects import terminating
from drillkit.sandbox.kube.store import Obj

Column = tuple[str, str, int]  # name, type, priority


def human_age(stamp: str | None, now: datetime | None = None) -> str:
    """kubectl's short age (``42s``, ``5m3s``, ``3h``, ``2d``)."""
    if not stamp:
        return "<unknown>"
    created = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - created).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    return f"{hours}h" if hours < 48 else f"{hours // 24}d"


def _node(o: Obj) -> list[Any]:
    ready = next(
        (
            c.get("status")
            for c in o.get("status", {}).get("conditions", [])
            if c.get("type") == "Ready"
        ),
        "Unknown",
    )
    status = "Ready" if ready == "True" else "NotReady"
    if (o.get("spec") or {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    version = o.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")
    return [
        status,
        "<none>",
        _age(o),
        version,
        next(
            (
                a["address"]
                for a in o.get("status", {}).get("addresses", [])
                if a.get("type") == "InternalIP"
            ),
            "<none>",
        ),
    ]


def _pod(o: Obj) -> list[Any]:
    status = o.get("status") or {}
    containers = (o.get("spec") or {}).get("containers") or []
    ready = sum(1 for c in status.get("containerStatuses") or [] if c.get("ready"))
    phase = "Terminating" if terminating(o) else status.get("phase", "Pending")
    return [
        f"{ready}/{len(containers)}",
        phase,
        0,
        _age(o),
        status.get("podIP", "<none>"),
        (o.get("spec") or {}).get("nodeName", "<none>"),
    ]


def _deployment(o: Obj) -> list[Any]:
    s, want = o.get("status") or {}, (o.get("spec") or {}).get("replicas", 0)
    return [
        f"{s.get('readyReplicas', 0)}/{want}",
        s.get("updatedReplicas", 0),
        s.get("availableReplicas", 0),
        _age(o),
    ]


def _statefulset(o: Obj) -> list[Any]:
    s, want = o.get("status") or {}, (o.get("spec") or {}).get("replicas", 0)
    return [f"{s.get('readyReplicas', 0)}/{want}", _age(o)]


def _replicaset(o: Obj) -> list[Any]:
    s = o.get("status") or {}
    return [
        (o.get("spec") or {}).get("replicas", 0),
        s.get("replicas", 0),
        s.get("readyReplicas", 0),
        _age(o),
    ]


def _daemonset(o: Obj) -> list[Any]:
    s = o.get("status") or {}
    return [
        s.get("desiredNumberScheduled", 0),
        s.get("currentNumberScheduled", 0),
        s.get("numberReady", 0),
        s.get("updatedNumberScheduled", 0),
        s.get("numberAvailable", 0),
        "<none>",
        _age(o),
    ]


def _pdb(o: Obj) -> list[Any]:
    spec = o.get("spec") or {}
    return [
        str(spec.get("minAvailable", "N/A")),
        str(spec.get("maxUnavailable", "N/A")),
        (o.get("status") or {}).get("disruptionsAllowed", 0),
        _age(o),
    ]


def _namespace(o: Obj) -> list[Any]:
    return [(o.get("status") or {}).get("phase", "Active"), _age(o)]


def _age(o: Obj) -> str:
    return human_age(o["metadata"].get("creationTimestamp"))


_TABLES: dict[tuple[str, str], tuple[list[Column], Any]] = {
    R.NODES.key: (
        [
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
        ],
        _node,
    ),
    R.PODS.key: (
        [
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
        ],
        _pod,
    ),
    R.DEPLOYMENTS.key: (
        [
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
        ],
        _deployment,
    ),
    R.STATEFULSETS.key: ([("Ready", "string", 0), ("Age", "string", 0)], _statefulset),
    R.REPLICASETS.key: (
        [
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0),
        ],
        _replicaset,
    ),
    R.DAEMONSETS.key: (
        [
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
        ],
        _daemonset,
    ),
    R.PDBS.key: (
        [
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            ("Age", "string", 0),
        ],
        _pdb,
    ),
    R.NAMESPACES.key: ([("Status", "string", 0), ("Age", "string", 0)], _namespace),
}


def to_table(res: R.Resource, items: list[Obj], meta: dict[str, Any]) -> dict[str, Any]:
    """Render objects as a Table with a PartialObjectMetadata per row."""
    columns, cells = _TABLES.get(res.key, ([("Age", "string", 0)], lambda o: [_age(o)]))
    definitions = [
        {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}
    ]
    definitions += [
        {"name": n, "type": t, "format": "", "description": n, "priority": p} for n, t, p in columns
    ]
    rows = [
        {
            "cells": [o["metadata"]["name"], *cells(o)],
            "object": {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": o["metadata"],
            },
        }
        for o in items
    ]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": definitions,
        "rows": rows,
    }


def wants_table(accept: str) -> bool:
    return "as=Table" in accept
