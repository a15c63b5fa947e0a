"""The twin's control plane loop: scheduler, workload controllers, kubelet, GC, PDB and HPA.

Every store write sets a dirty flag; the loop runs whole reconcile passes until one writes
nothing. Kubelet timers (pods turning Ready, graceful deletions finishing) re-arm the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.daemonsets import reconcile_daemonset
from drillkit.sandbox.kube.disruption import budget_status
from drillkit.sandbox.kube.managed import writing
from drillkit.sandbox.kube.objects import controller_uid, fits, pod_ready, replicas, terminating
from drillkit.sandbox.kube.store import Obj, Store, now_iso
from drillkit.sandbox.kube.workloads import (
    delete_pod,
    owned_by,
    reconcile_deployment,
    reconcile_replicaset,
    reconcile_statefulset,
    set_status,
)

log = logging.getLogger("drillkit.sandbox.kube")
CONTROLLER_MANAGER = "kube-controller-manager"
MAX_PASSES = 50  # a pass that keeps writing after this many rounds is a bug, not progress
MAX_REST_S = 0.5  # the longest the loop is left to the API between two passes


class ControlPlane:
    """Runs reconcile passes on the event loop whenever the store changes."""

    def __init__(
        self,
        store: Store,
        ready_delay: float,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ready_delay = ready_delay
        self.rng = rng or random.Random()
        self.clock = clock
        self._dirty = asyncio.Event()
        self._due: dict[str, float] = {}  # pod uid -> when the kubelet acts on it
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        store.on_change(lambda _event: self._dirty.set())

    def start(self) -> None:
        self._dirty.set()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        took = 0.0
        while True:
            await self._dirty.wait()
            # Coalesce a burst of writes into one pass, and leave the event loop to the API at
            # least as long as the last pass took: a pass reads every object, so in a region
            # of thousands of pods back-to-back passes would starve the requests that cause them.
            await asyncio.sleep(max(0.002, min(took, MAX_REST_S)))
            for _ in range(MAX_PASSES):
                self._dirty.clear()
                started = time.perf_counter()
                try:
                    self.reconcile()
                except Exception:  # a controller bug must not stop the cluster
                    log.exception("sandbox.kube.reconcile_failed")
                    break
                finally:
                    took = time.perf_counter() - started
                if not self._dirty.is_set():
                    break
                await asyncio.sleep(min(took, MAX_REST_S))

    def reconcile(self) -> None:
        """One pass of every controller, each writing under its own field manager."""
        with writing(CONTROLLER_MANAGER):
            self._controllers()
        with writing("kube-scheduler", "status"):
            self._schedule(list(self.store.items(R.NODES.key)))
        with writing("kubelet", "status"):
            self._kubelet()
        with writing(CONTROLLER_MANAGER):
            for pdb in list(self.store.items(R.PDBS.key)):
                set_status(self.store, R.PDBS, pdb, budget_status(self.store, pdb))

    def _controllers(self) -> None:
        store = self.store
        self._collect_garbage()
        pods = list(store.items(R.PODS.key))
        pods_by_owner = owned_by(pods)
        for hpa in list(store.items(R.HPAS.key)):
            self._autoscale(hpa)
        rs_by_owner = owned_by(list(store.items(R.REPLICASETS.key)))
        for dep in list(store.items(R.DEPLOYMENTS.key)):
            reconcile_deployment(store, dep, rs_by_owner.get(dep["metadata"]["uid"], []))
        for rs in list(store.items(R.REPLICASETS.key)):
            reconcile_replicaset(store, rs, pods_by_owner.get(rs["metadata"]["uid"], []), self.rng)
        for sts in list(store.items(R.STATEFULSETS.key)):
            reconcile_statefulset(store, sts, pods_by_owner.get(sts["metadata"]["uid"], []))
        nodes = list(store.items(R.NODES.key))
        for ds in list(store.items(R.DAEMONSETS.key)):
            reconcile_daemonset(
                store, ds, pods_by_owner.get(ds["metadata"]["uid"], []), nodes, self.rng
            )

    def _collect_garbage(self) -> None:
        """Delete dependents whose controller is gone (background propagation)."""
        live = {
            o["metadata"]["uid"]
            for key in (R.DEPLOYMENTS, R.REPLICASETS, R.STATEFULSETS, R.DAEMONSETS)
            for o in self.store.items(key.key)
        }
        nodes = {n["metadata"]["name"] for n in self.store.items(R.NODES.key)}
        for pod in list(self.store.items(R.PODS.key)):
            # The pod garbage collector's job: a pod bound to a deleted node is gone too.
            bound = (pod.get("spec") or {}).get("nodeName")
            if bound and bound not in nodes:
                self.store.delete(R.PODS.key, pod["metadata"]["namespace"], pod["metadata"]["name"])
        for res in (R.REPLICASETS, R.PODS):
            for obj in list(self.store.items(res.key)):
                uid = controller_uid(obj)
                if uid and uid not in live:
                    if res is R.PODS:
                        delete_pod(self.store, obj)
                    else:
                        meta = obj["metadata"]
                        self.store.delete(res.key, meta["namespace"], meta["name"])

    def _autoscale(self, hpa: Obj) -> None:
        """Clamp the target into [minReplicas, maxReplicas]; a target at zero is left alone."""
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        res = {"Deployment": R.DEPLOYMENTS, "StatefulSet": R.STATEFULSETS}.get(str(ref.get("kind")))
        target = (
            self.store.get(res.key, hpa["metadata"]["namespace"], ref.get("name", ""))
            if res
            else None
        )
        if target is None or res is None:
            return
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 1)
        current = replicas(target)
        desired = current if current == 0 else min(max(current, low), high)
        if desired != current:
            new = dict(target)
            new["spec"] = {**target["spec"], "replicas": desired}
            with writing(CONTROLLER_MANAGER, "scale"):  # the HPA controller writes /scale
                target = self.store.replace(res.key, new, generation=True)
        status: dict[str, Any] = {"currentReplicas": current, "desiredReplicas": desired}
        if current == 0:
            status.pop("currentReplicas")
        old = hpa.get("status") or {}
        if old.get("lastScaleTime") or desired != current:
            status["lastScaleTime"] = old.get("lastScaleTime") if desired == current else now_iso()
        set_status(self.store, R.HPAS, hpa, status)

    def _schedule(self, nodes: list[Obj]) -> None:
        """Bind pending pods to the feasible node with the fewest pods.

        Whether a node fits depends only on the pod's nodeSelector and tolerations, which the
        pods of one template share: each pass asks once per such signature, not once per pod
        (a drained region's thousands of Pending pods would otherwise cost pods x nodes)."""
        load: dict[str, int] = {n["metadata"]["name"]: 0 for n in nodes}
        pending = []
        for pod in self.store.items(R.PODS.key):
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                load[node] = load.get(node, 0) + (0 if terminating(pod) else 1)
            elif not terminating(pod):
                pending.append(pod)
        verdicts: dict[str, tuple[list[str], dict[str, int]]] = {}
        for pod in pending:
            signature = _signature(pod)
            if signature not in verdicts:
                feasible: list[str] = []
                reasons: dict[str, int] = {}
                for node in nodes:
                    why = fits(pod, node)
                    if why is None:
                        feasible.append(node["metadata"]["name"])
                    else:
                        reasons[why] = reasons.get(why, 0) + 1
                verdicts[signature] = (feasible, reasons)
            feasible, reasons = verdicts[signature]
            best = min(feasible, key=lambda name: (load[name], name)) if feasible else None
            new = dict(pod)
            status = dict(pod.get("status") or {})
            if best is None:
                detail = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
                message = (
                    f"0/{len(nodes)} nodes are available: {detail}."
                    if nodes
                    else "no nodes available to schedule pods"
                )
                cond = {
                    "type": "PodScheduled",
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": now_iso(),
                    "reason": "Unschedulable",
                    "message": message,
                }
                old = next(
                    (c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"),
                    None,
                )
                if old and old.get("message") == message:
                    continue
                status["conditions"] = [cond]
                new["status"] = status
                self.store.replace(R.PODS.key, new)
                continue
            load[best] += 1
            new["spec"] = {**pod["spec"], "nodeName": best}
            status["conditions"] = [
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now_iso(),
                }
            ]
            new["status"] = status
            self.store.replace(R.PODS.key, new)

    def _kubelet(self) -> None:
        """Start bound pods after the ready delay; finish graceful deletions."""
        now = self.clock()
        wake: float | None = None
        seen = set()
        for pod in list(self.store.items(R.PODS.key)):
            uid = pod["metadata"]["uid"]
            spec = pod.get("spec") or {}
            if not spec.get("nodeName"):
                continue
            if terminating(pod):
                key = "delete:" + uid
            elif not pod_ready(pod) and (pod.get("status") or {}).get("phase") == "Pending":
                key = "start:" + uid
            else:
                continue
            seen.add(key)
            due = self._due.setdefault(key, now + self.ready_delay)
            if due > now:
                wake = due if wake is None else min(wake, due)
                continue
            meta = pod["metadata"]
            if key.startswith("delete:"):
                self.store.delete(R.PODS.key, meta["namespace"], meta["name"])
            else:
                self.store.replace(R.PODS.key, _started(pod))
        self._due = {k: v for k, v in self._due.items() if k in seen}
        if wake is not None:
            if self._timer:
                self._timer.cancel()
            self._timer = asyncio.get_running_loop().call_later(
                max(0.0, wake - now), self._dirty.set
            )


def _signature(pod: Obj) -> str:
    """What ``fits`` reads of a pod: its nodeSelector and tolerations (``repr``: pods of one
    template print alike; two orders of one dict only cost a second look, never a wrong one)."""
    spec = pod.get("spec") or {}
    return repr((spec.get("nodeSelector"), spec.get("tolerations")))


def _started(pod: Obj) -> Obj:
    stamp = now_iso()
    new = dict(pod)
    containers = (pod.get("spec") or {}).get("containers") or []
    index = sum(map(ord, pod["metadata"]["name"])) % 250 + 2
    new["status"] = {
        **(pod.get("status") or {}),
        "phase": "Running",
        "conditions": [
            {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}
            for t in (
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled",
            )
        ],
        "hostIP": "10.0.0.10",
        "podIP": f"10.244.0.{index}",
        "podIPs": [{"ip": f"10.244.0.{index}"}],
        "startTime": stamp,
        "containerStatuses": [
            {
                "name": c.get("name", ""),
                "state": {"running": {"startedAt": stamp}},
                "lastState": {},
                "ready": True,
                "restartCount": 0,
                "image": c.get("image", ""),
                "imageID": "",
                "containerID": f"containerd://{pod['metadata']['uid'].replace('-', '')}",
                "started": True,
            }
            for c in containers
            if isinstance(c, dict)
        ],
    }
    return new
