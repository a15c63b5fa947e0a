"""PodDisruptionBudget status (the disruption controller's arithmetic) and eviction decisions."""

from __future__ import annotations

import math
from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.objects import controller_uid, labels, pod_ready, replicas, terminating
from drillkit.sandbox.kube.selection import matches, selector_from_object
from drillkit.sandbox.kube.status import ApiError
from drillkit.sandbox.kube.store import Obj, Store, now_iso


def budgets_for(store: Store, pod: Obj) -> list[Obj]:
    """Every PDB in the pod's namespace whose selector matches it."""
    ns = pod["metadata"]["namespace"]
    return [
        pdb
        for pdb in store.items(R.PDBS.key, ns)
        if matches(selector_from_object((pdb.get("spec") or {}).get("selector")), labels(pod))
    ]


def _scaled(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        try:
            share = int(value[:-1]) * total / 100
        except ValueError:
            return 0
        return math.ceil(share) if round_up else math.floor(share)
    return value if isinstance(value, int) else 0


def _expected_scale(store: Store, pods: list[Obj]) -> int:
    """Sum of the replicas of the controllers (Deployment above a ReplicaSet) of ``pods``."""
    seen: set[str] = set()
    total = 0
    uid_index = {
        o["metadata"]["uid"]: (res, o)
        for res in (R.REPLICASETS, R.DEPLOYMENTS, R.STATEFULSETS)
        for o in store.items(res.key, pods[0]["metadata"]["namespace"] if pods else None)
    }
    for pod in pods:
        uid = controller_uid(pod)
        entry = uid_index.get(uid or "")
        if entry is None:
            total += 0 if uid else 1
            continue
        res, owner = entry
        if res is R.REPLICASETS and (parent := uid_index.get(controller_uid(owner) or "")):
            res, owner = parent
        if owner["metadata"]["uid"] not in seen:
            seen.add(owner["metadata"]["uid"])
            total += replicas(owner)
    return total


def budget_status(store: Store, pdb: Obj) -> dict[str, Any]:
    """The status the disruption controller would write now."""
    spec = pdb.get("spec") or {}
    selector = selector_from_object(spec.get("selector"))
    ns = pdb["metadata"]["namespace"]
    pods = [p for p in store.items(R.PODS.key, ns) if matches(selector, labels(p))]
    healthy = sum(1 for p in pods if pod_ready(p) and not terminating(p))
    if spec.get("maxUnavailable") is not None:
        expected = _expected_scale(store, pods)
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected, True))
    elif isinstance(spec.get("minAvailable"), str):
        expected = _expected_scale(store, pods)
        desired = _scaled(spec["minAvailable"], expected, True)
    else:
        expected = len(pods)
        desired = _scaled(spec.get("minAvailable", 0), expected, True)
    allowed = max(0, healthy - desired)
    old = {c.get("type"): c for c in (pdb.get("status") or {}).get("conditions") or []}
    state, reason = ("True", "SufficientPods") if allowed > 0 else ("False", "InsufficientPods")
    generation = pdb["metadata"].get("generation", 1)
    prev = old.get("DisruptionAllowed")
    cond = (
        prev
        if prev
        and (prev.get("status"), prev.get("reason"), prev.get("observedGeneration"))
        == (state, reason, generation)
        else {
            "type": "DisruptionAllowed",
            "status": state,
            "observedGeneration": generation,
            "lastTransitionTime": now_iso(),
            "reason": reason,
            "message": "",
        }
    )
    return {
        "observedGeneration": generation,
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": [cond],
    }


def check_eviction(store: Store, pod: Obj) -> None:
    """Raise the apiserver's answer when an eviction must be refused; return when allowed."""
    phase = (pod.get("status") or {}).get("phase")
    if terminating(pod) or phase in ("Succeeded", "Failed", "Pending"):
        return
    pdbs = budgets_for(store, pod)
    if not pdbs:
        return
    if len(pdbs) > 1:
        raise ApiError(
            500,
            "This pod has more than one PodDisruptionBudget, which the eviction subresource "
            "does not support.",
            "InternalError",
        )
    pdb = pdbs[0]
    status = budget_status(store, pdb)
    healthy, desired = status["currentHealthy"], status["desiredHealthy"]
    # IfHealthyBudget: an unready pod may go while the budget is met.
    if not pod_ready(pod) and healthy >= desired:
        return
    if status["disruptionsAllowed"] > 0:
        return
    message = (
        f"The disruption budget {pdb['metadata']['name']} needs {desired} healthy pods "
        f"and has {healthy} currently"
    )
    raise ApiError(
        429,
        "Cannot evict pod as it would violate the pod's disruption budget.",
        "TooManyRequests",
        {"causes": [{"reason": "DisruptionBudget", "message": message}]},
    )
