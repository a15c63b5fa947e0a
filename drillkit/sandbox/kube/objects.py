"""Building and reading the twin's objects: nodes, pods from templates, owner references."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from typing import Any

from drillkit.sandbox.kube.store import Obj, now_iso

SAFE = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's rand.String alphabet
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


def suffix(rng: random.Random, n: int = 5) -> str:
    return "".join(rng.choice(SAFE) for _ in range(n))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def template_hash(template: Any) -> str:
    """A stable short hash of a pod template (pod-template-hash, controller revisions).

    Nulls are dropped first: a Go client writes ``creationTimestamp: null`` where a Python
    one writes nothing, and both mean the same template (kubectl rollout undo relies on it).
    """
    canonical = json.dumps(_without_nulls(template), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return "".join(SAFE[b % len(SAFE)] for b in digest[:10])


def labels(obj: Obj) -> dict[str, str]:
    value = obj["metadata"].get("labels")
    return value if isinstance(value, dict) else {}


def replicas(obj: Obj, default: int = 1) -> int:
    value = (obj.get("spec") or {}).get("replicas", default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def controller_uid(obj: Obj) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            uid = ref.get("uid")
            return uid if isinstance(uid, str) else None
    return None


def owner_ref(owner: Obj, kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def terminating(obj: Obj) -> bool:
    return "deletionTimestamp" in obj["metadata"]


def condition(obj: Obj, kind: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == kind:
            return cond
    return None


def pod_ready(pod: Obj) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def pod_active(pod: Obj) -> bool:
    """Counted by workload controllers: not terminating and not finished."""
    phase = (pod.get("status") or {}).get("phase")
    return not terminating(pod) and phase not in ("Succeeded", "Failed")


def node_object(
    name: str, region: str, index: int, extra_labels: dict[str, str] | None = None
) -> Obj:
    """A Ready worker node as a kubelet would register it (plus its pool's labels)."""
    stamp = now_iso()
    ready = {
        "type": "Ready",
        "status": "True",
        "lastHeartbeatTime": stamp,
        "lastTransitionTime": stamp,
        "reason": "KubeletReady",
        "message": "kubelet is posting ready status",
    }
    pressure = [
        {
            "type": t,
            "status": "False",
            "lastHeartbeatTime": stamp,
            "lastTransitionTime": stamp,
            "reason": f"KubeletHas{r}",
            "message": f"kubelet has {m}",
        }
        for t, r, m in (
            ("MemoryPressure", "SufficientMemory", "sufficient memory available"),
            ("DiskPressure", "NoDiskPressure", "no disk pressure"),
            ("PIDPressure", "SufficientPID", "sufficient PID available"),
        )
    ]
    capacity = {"cpu": "4", "memory": "16390056Ki", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/region": region,
                "topology.kubernetes.io/zone": f"{region}-{index}",
                **(extra_labels or {}),
            },
        },
        "spec": {"podCIDR": f"10.244.{index}.0/24", "providerID": f"sandbox://{region}/{name}"},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [*pressure, ready],
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.0.{index + 10}"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": f"{index:032x}",
                "systemUUID": f"00000000-0000-0000-0000-{index:012x}",
                "bootID": f"00000000-0000-0000-0001-{index:012x}",
                "kernelVersion": "6.1.0-sandbox",
                "osImage": "drillkit sandbox",
                "containerRuntimeVersion": "containerd://1.7.0",
                "kubeletVersion": "v1.32.0",
                "kubeProxyVersion": "v1.32.0",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def pod_from_template(
    template: Obj, namespace: str, name: str, extra_labels: dict[str, str], owner: dict[str, Any]
) -> Obj:
    """A Pending pod stamped from a workload's template."""
    meta = copy.deepcopy(template.get("metadata") or {})
    spec = copy.deepcopy(template.get("spec") or {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    spec.setdefault(
        "tolerations",
        [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
    )
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**(meta.get("labels") or {}), **extra_labels},
            **({"annotations": meta["annotations"]} if meta.get("annotations") else {}),
            "ownerReferences": [owner],
        },
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }


def tolerates(pod: Obj, taint: dict[str, Any]) -> bool:
    """Does one of the pod's tolerations match this taint?"""
    for tol in (pod.get("spec") or {}).get("tolerations") or []:
        if not isinstance(tol, dict):
            continue
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def fits(pod: Obj, node: Obj) -> str | None:
    """Why the pod cannot go to the node (a scheduler reason), or None when it fits."""
    spec = node.get("spec") or {}
    if spec.get("unschedulable") is True and not tolerates(
        pod, {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}
    ):
        return "node(s) were unschedulable"
    for taint in spec.get("taints") or []:
        if (
            isinstance(taint, dict)
            and taint.get("effect") in ("NoSchedule", "NoExecute")
            and not tolerates(pod, taint)
        ):
            return f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"
    wanted = (pod.get("spec") or {}).get("nodeSelector") or {}
    if any(labels(node).get(k) != v for k, v in wanted.items()):
        return "node(s) didn't match Pod's node affinity/selector"
    return None
