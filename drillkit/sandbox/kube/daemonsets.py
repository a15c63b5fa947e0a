"""The DaemonSet controller: one pod per node the DaemonSet tolerates, cordoned nodes included."""

from __future__ import annotations

import random
from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.objects import (
    fits,
    owner_ref,
    pod_active,
    pod_from_template,
    pod_ready,
    suffix,
    template_hash,
    terminating,
)
from drillkit.sandbox.kube.store import Obj, Store
from drillkit.sandbox.kube.workloads import delete_pod, omit_zero, revision_of, set_status


def reconcile_daemonset(
    store: Store, ds: Obj, pods: list[Obj], nodes: list[Obj], rng: random.Random
) -> None:
    """One pod per node it tolerates; DaemonSet pods tolerate cordoned nodes."""
    meta, spec = ds["metadata"], ds.get("spec") or {}
    revision = template_hash(spec.get("template") or {})
    active = [p for p in pods if pod_active(p)]
    on_node: dict[str, list[Obj]] = {}
    for pod in active:
        on_node.setdefault((pod.get("spec") or {}).get("nodeName", ""), []).append(pod)
    desired = 0
    for node in nodes:
        node_name = node["metadata"]["name"]
        probe = {"spec": {"tolerations": _ds_tolerations(spec)}}
        if fits(probe, node) is not None:
            continue
        desired += 1
        if not on_node.get(node_name) and not terminating(ds):
            pod = pod_from_template(
                spec.get("template") or {},
                meta["namespace"],
                f"{meta['name']}-{suffix(rng)}",
                {
                    "controller-revision-hash": revision,
                    "pod-template-generation": str(meta.get("generation", 1)),
                },
                owner_ref(ds, "DaemonSet"),
            )
            pod["metadata"]["generateName"] = f"{meta['name']}-"
            pod["spec"]["tolerations"] = _ds_tolerations(spec)
            pod["spec"]["nodeName"] = node_name
            active.append(store.create(R.PODS.key, pod))
    names = {n["metadata"]["name"] for n in nodes}
    for node_name, group in on_node.items():
        for pod in group[1:] if node_name in names else group:
            delete_pod(store, pod)
    scheduled = {(p.get("spec") or {}).get("nodeName") for p in active if not terminating(p)}
    ready = sum(1 for p in active if pod_ready(p) and not terminating(p))
    updated = sum(1 for p in active if revision_of(p) == revision and not terminating(p))
    status = omit_zero(
        {
            "currentNumberScheduled": len(scheduled & names),
            "numberMisscheduled": 0,
            "desiredNumberScheduled": desired,
            "numberReady": ready,
            "observedGeneration": meta.get("generation", 1),
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
            "numberUnavailable": max(0, desired - ready),
        },
        keep=(
            "currentNumberScheduled",
            "numberMisscheduled",
            "desiredNumberScheduled",
            "numberReady",
        ),
    )
    set_status(store, R.DAEMONSETS, ds, status)


def _ds_tolerations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    base = list(((spec.get("template") or {}).get("spec") or {}).get("tolerations") or [])
    for key, effect in (
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ):
        base.append({"key": key, "operator": "Exists", "effect": effect})
    return base
