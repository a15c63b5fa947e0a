"""Workload controllers: Deployment -> ReplicaSet -> Pod, StatefulSet and DaemonSet.

Each function is one reconcile step over the store; it writes only what changed, so the
controller loop reaches a fixed point. Status fields follow the apps/v1 types (zero values
omitted where the real types say ``omitempty``) because kubectl's rollout status reads them.
"""

from __future__ import annotations

import copy
import random
from datetime import datetime
from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.managed import WRITER, writing
from drillkit.sandbox.kube.objects import (
    controller_uid,
    owner_ref,
    pod_active,
    pod_from_template,
    pod_ready,
    replicas,
    suffix,
    template_hash,
    terminating,
)
from drillkit.sandbox.kube.store import Obj, Store, now_iso

REVISION = "deployment.kubernetes.io/revision"


def set_status(store: Store, res: R.Resource, obj: Obj, status: dict[str, Any]) -> None:
    """Write ``status`` when it differs from the stored one."""
    if obj.get("status") == status:
        return
    new = dict(obj)
    new["metadata"] = dict(obj["metadata"])
    new["status"] = status
    writer = WRITER.get()
    with writing(writer.manager if writer else "kube-controller-manager", "status"):
        store.replace(res.key, new)


def omit_zero(status: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in status.items() if k in keep or v not in (0, "", None, [])}


def _conditions(old: Obj, wanted: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Conditions that keep their timestamps while type/status/reason stay the same."""
    previous = {c.get("type"): c for c in (old.get("status") or {}).get("conditions") or []}
    out = []
    for kind, status, reason, message in wanted:
        prev = previous.get(kind)
        if prev and (prev.get("status"), prev.get("reason")) == (status, reason):
            out.append(prev)
            continue
        stamp = now_iso()
        out.append(
            {
                "type": kind,
                "status": status,
                "lastUpdateTime": stamp,
                "lastTransitionTime": stamp,
                "reason": reason,
                "message": message,
            }
        )
    return out


def delete_pod(store: Store, pod: Obj, grace: int | None = None) -> Obj | None:
    """Graceful delete: a bound pod gets a deletionTimestamp and the kubelet finishes it."""
    meta = pod["metadata"]
    if grace is None:
        value = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        grace = value if isinstance(value, int) else 30
    if grace <= 0 or not (pod.get("spec") or {}).get("nodeName"):
        return store.delete(R.PODS.key, meta["namespace"], meta["name"])
    if terminating(pod):
        return pod
    new = dict(pod)
    new["metadata"] = {**meta, "deletionTimestamp": now_iso(), "deletionGracePeriodSeconds": grace}
    return store.replace(R.PODS.key, new)


def _pod_rank(pod: Obj) -> tuple[int, int, int, float]:
    """Which pods a scale-down removes first, as the ReplicaSet controller ranks them:
    unscheduled, then not running, then not ready, then the newest."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    stamp = pod["metadata"].get("creationTimestamp", "")
    try:
        created = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").timestamp()
    except ValueError:
        created = 0.0
    return (
        1 if spec.get("nodeName") else 0,
        1 if status.get("phase") == "Running" else 0,
        1 if pod_ready(pod) else 0,
        -created,
    )


def reconcile_replicaset(store: Store, rs: Obj, pods: list[Obj], rng: random.Random) -> None:
    meta = rs["metadata"]
    active = [p for p in pods if pod_active(p)]
    want = replicas(rs)
    if not terminating(rs):
        template = (rs.get("spec") or {}).get("template") or {}
        for _ in range(want - len(active)):
            name = f"{meta['name']}-{suffix(rng)}"
            pod = pod_from_template(
                template, meta["namespace"], name, {}, owner_ref(rs, "ReplicaSet")
            )
            pod["metadata"]["generateName"] = f"{meta['name']}-"
            active.append(store.create(R.PODS.key, pod))
        if len(active) > want:
            doomed = sorted(active, key=_pod_rank)[: len(active) - want]
            for pod in doomed:
                delete_pod(store, pod)
            active = [p for p in active if p not in doomed]
    ready = sum(1 for p in active if pod_ready(p))
    status = omit_zero(
        {
            "replicas": len(active),
            "fullyLabeledReplicas": len(active),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": meta.get("generation", 1),
        },
        keep=("replicas",),
    )
    set_status(store, R.REPLICASETS, rs, status)


def reconcile_deployment(store: Store, dep: Obj, owned: list[Obj]) -> None:
    """Keep one ReplicaSet per template; old ones shrink as the new one becomes available."""
    meta, spec = dep["metadata"], dep.get("spec") or {}
    template = spec.get("template") or {}
    h = template_hash(template)
    current = next(
        (rs for rs in owned if (rs["metadata"].get("labels") or {}).get("pod-template-hash") == h),
        None,
    )
    want = replicas(dep)
    revision = max(
        (int(rs["metadata"].get("annotations", {}).get(REVISION, "0") or 0) for rs in owned),
        default=0,
    )
    if current is None and not terminating(dep):
        rs_template = copy.deepcopy(template)
        rs_template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = h
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})["pod-template-hash"] = h
        current = store.create(
            R.REPLICASETS.key,
            {
                "kind": "ReplicaSet",
                "apiVersion": "apps/v1",
                "metadata": {
                    "name": f"{meta['name']}-{h}",
                    "namespace": meta["namespace"],
                    "labels": dict(rs_template["metadata"]["labels"]),
                    "annotations": {
                        REVISION: str(revision + 1),
                        "deployment.kubernetes.io/desired-replicas": str(want),
                    },
                    "ownerReferences": [owner_ref(dep, "Deployment")],
                },
                "spec": {"replicas": want, "selector": selector, "template": rs_template},
                "status": {"replicas": 0},
            },
            generation=True,
        )
        owned = [*owned, current]
    if current is not None:
        _scale_rs(store, current, want)
        available = (current.get("status") or {}).get("availableReplicas", 0)
        budget = max(0, want - available)
        for rs in owned:
            if rs is not current:
                keep = min(replicas(rs), budget)
                budget -= keep
                _scale_rs(store, rs, keep)
        if meta.get("annotations", {}).get(REVISION) != current["metadata"].get(
            "annotations", {}
        ).get(REVISION):
            new = dict(dep)
            new["metadata"] = {
                **meta,
                "annotations": {
                    **(meta.get("annotations") or {}),
                    REVISION: current["metadata"]["annotations"].get(REVISION, "1"),
                },
            }
            dep = store.replace(R.DEPLOYMENTS.key, new, generation=True)
    _deployment_status(store, dep, current, owned)


def _scale_rs(store: Store, rs: Obj, count: int) -> None:
    if replicas(rs) != count:
        new = dict(rs)
        new["spec"] = {**rs["spec"], "replicas": count}
        store.replace(R.REPLICASETS.key, new, generation=True)


def _deployment_status(store: Store, dep: Obj, current: Obj | None, owned: list[Obj]) -> None:
    want = replicas(dep)
    stats = [rs.get("status") or {} for rs in owned]
    total = sum(s.get("replicas", 0) for s in stats)
    ready = sum(s.get("readyReplicas", 0) for s in stats)
    available = sum(s.get("availableReplicas", 0) for s in stats)
    updated = (current.get("status") or {}).get("replicas", 0) if current else 0
    complete = updated == want and total == want and available == want
    name = current["metadata"]["name"] if current else dep["metadata"]["name"]
    conditions = _conditions(
        dep,
        [
            (
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
            if available >= want - 1 or want == 0
            else (
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            ),
            (
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}" has successfully progressed.',
            )
            if complete
            else (
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                f'ReplicaSet "{name}" is progressing.',
            ),
        ],
    )
    status = omit_zero(
        {
            "observedGeneration": dep["metadata"].get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(0, want - available),
            "conditions": conditions,
        }
    )
    set_status(store, R.DEPLOYMENTS, dep, status)


def reconcile_statefulset(store: Store, sts: Obj, pods: list[Obj]) -> None:
    """OrderedReady: create ordinals one at a time, remove from the highest, update in reverse."""
    meta, spec = sts["metadata"], sts.get("spec") or {}
    name, _ns = meta["name"], meta["namespace"]
    revision = f"{name}-{template_hash(spec.get('template') or {})}"
    by_ordinal: dict[int, Obj] = {}
    for pod in pods:
        tail = pod["metadata"]["name"][len(name) + 1 :]
        if tail.isdigit():
            by_ordinal[int(tail)] = pod
    want = replicas(sts)
    if not terminating(sts) and not any(terminating(p) for p in by_ordinal.values()):
        _step_statefulset(store, sts, by_ordinal, want, revision)
    status_obj = sts.get("status") or {}
    current_rev = status_obj.get("currentRevision") or revision
    created = list(by_ordinal.values())
    live = [p for p in created if not terminating(p)]
    updated = sum(1 for p in live if revision_of(p) == revision)
    if updated == want and len(live) == want:
        current_rev = revision
    ready = sum(1 for p in created if pod_ready(p) and _running(p))
    status = omit_zero(
        {
            "observedGeneration": meta.get("generation", 1),
            "replicas": len(created),
            "readyReplicas": ready,
            "currentReplicas": sum(1 for p in live if revision_of(p) == current_rev),
            "updatedReplicas": updated,
            "currentRevision": current_rev,
            "updateRevision": revision,
            "collisionCount": 0,
            "availableReplicas": ready,
        },
        keep=("replicas", "availableReplicas", "collisionCount"),
    )
    set_status(store, R.STATEFULSETS, sts, status)


def revision_of(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get("controller-revision-hash", ""))


def _running(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running"


def _step_statefulset(
    store: Store, sts: Obj, by_ordinal: dict[int, Obj], want: int, revision: str
) -> None:
    meta = sts["metadata"]
    for ordinal in range(want):
        pod = by_ordinal.get(ordinal)
        if pod is None:
            pod_name = f"{meta['name']}-{ordinal}"
            extra = {
                "controller-revision-hash": revision,
                "statefulset.kubernetes.io/pod-name": pod_name,
                "apps.kubernetes.io/pod-index": str(ordinal),
            }
            new = pod_from_template(
                (sts.get("spec") or {}).get("template") or {},
                meta["namespace"],
                pod_name,
                extra,
                owner_ref(sts, "StatefulSet"),
            )
            new["spec"]["hostname"] = pod_name
            store.create(R.PODS.key, new)
            return
        if not (pod_ready(pod) and _running(pod)):
            return
    extra_ordinals = sorted((o for o in by_ordinal if o >= want), reverse=True)
    if extra_ordinals:
        delete_pod(store, by_ordinal[extra_ordinals[0]])
        return
    for ordinal in sorted(by_ordinal, reverse=True):
        if revision_of(by_ordinal[ordinal]) != revision:
            delete_pod(store, by_ordinal[ordinal])
            return


def owned_by(items: list[Obj]) -> dict[str, list[Obj]]:
    """Group objects by their controller's uid."""
    out: dict[str, list[Obj]] = {}
    for obj in items:
        uid = controller_uid(obj)
        if uid:
            out.setdefault(uid, []).append(obj)
    return out
