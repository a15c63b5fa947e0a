"""Kubelet and scheduler stand-in for the real tier: nodes, binding, Ready, graceful deletion.

kube-apiserver alone has no scheduler and no kubelet; this bounded polling loop plays both
through the official client: it registers ``<region>-node-<n>``, binds pending pods to nodes
that admit them (pods/binding), marks bound pods Running and Ready (pods/status), confirms
graceful deletions and keeps node heartbeats (Lease + Ready condition) fresh.
Run: ``python -m tests.realapi.kubelet --kubeconfig K --context C --region us --nodes 3``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from collections import Counter
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
HEARTBEAT_S = 10.0
TICK_S = 0.2


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tolerates(tolerations: list[Any], key: str, value: str | None, effect: str) -> bool:
    for tol in tolerations or []:
        if tol.effect and tol.effect != effect:
            continue
        if tol.operator == "Exists":
            if not tol.key or tol.key == key:
                return True
        elif tol.key == key and (tol.value or "") == (value or ""):
            return True
    return False


def _pinned_node(pod: Any) -> str | None:
    """The node a DaemonSet pod is pinned to through matchFields metadata.name, if any."""
    affinity = pod.spec.affinity
    node_affinity = affinity.node_affinity if affinity else None
    required = (
        node_affinity.required_during_scheduling_ignored_during_execution if node_affinity else None
    )
    for term in required.node_selector_terms if required else []:
        for field in term.match_fields or []:
            if field.key == "metadata.name" and field.operator == "In" and field.values:
                return str(field.values[0])
    return None


def admits(node: Any, pod: Any) -> bool:
    """Would the default scheduler's filters (unschedulable, taints, pinning) place pod here."""
    tolerations = pod.spec.tolerations or []
    if node.spec.unschedulable and not _tolerates(tolerations, UNSCHEDULABLE, None, "NoSchedule"):
        return False
    for taint in node.spec.taints or []:
        if taint.effect in ("NoSchedule", "NoExecute") and not _tolerates(
            tolerations, taint.key, taint.value, taint.effect
        ):
            return False
    pinned = _pinned_node(pod)
    selector = pod.spec.node_selector or {}
    labels = node.metadata.labels or {}
    return (pinned is None or pinned == node.metadata.name) and all(
        labels.get(k) == v for k, v in selector.items()
    )


class Kubelet:
    """One region's stand-in."""

    def __init__(self, api_client: client.ApiClient, region: str, nodes: int) -> None:
        self.core = client.CoreV1Api(api_client)
        self.leases = client.CoordinationV1Api(api_client)
        self.names = [f"{region}-node-{n}" for n in range(1, nodes + 1)]
        self.last_beat = 0.0

    def _ready_condition(self) -> dict[str, Any]:
        return {
            "type": "Ready",
            "status": "True",
            "reason": "KubeletReady",
            "message": "drillkit kubelet stand-in is posting ready status",
            "lastHeartbeatTime": _now(),
        }

    def register(self) -> None:
        """Create the nodes (idempotent), post Ready status and drop the not-ready taint."""
        existing = {n.metadata.name for n in self.core.list_node().items}
        for name in self.names:
            if name not in existing:
                body = {
                    "metadata": {
                        "name": name,
                        "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
                    },
                }
                try:
                    self.core.create_node(body)
                except ApiException as exc:
                    if exc.status != 409:
                        raise
        self.heartbeat(force=True)

    def heartbeat(self, force: bool = False) -> None:
        """Renew each node's Lease and Ready condition so nodelifecycle sees it alive."""
        if not force and time.monotonic() - self.last_beat < HEARTBEAT_S:
            return
        self.last_beat = time.monotonic()
        capacity = {"cpu": "8", "memory": "32Gi", "pods": "110"}
        for name in self.names:
            status = {
                "status": {
                    "capacity": capacity,
                    "allocatable": capacity,
                    "conditions": [self._ready_condition()],
                    "addresses": [
                        {"type": "InternalIP", "address": "127.0.0.1"},
                        {"type": "Hostname", "address": name},
                    ],
                    "nodeInfo": {"kubeletVersion": "v1.20.2", "operatingSystem": "linux"},
                }
            }
            self.core.patch_node_status(name, status)
            node = self.core.read_node(name)
            taints = node.spec.taints or []
            if any(t.key == NOT_READY for t in taints):
                kept = [t.to_dict() for t in taints if t.key != NOT_READY]
                self.core.patch_node(
                    name, {"spec": {"taints": kept or None}}, _preload_content=False
                )
            self._renew_lease(name)

    def _renew_lease(self, name: str) -> None:
        spec = {
            "holderIdentity": name,
            "leaseDurationSeconds": 40,
            "renewTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        try:
            self.leases.patch_namespaced_lease(name, "kube-node-lease", {"spec": spec})
        except ApiException as exc:
            if exc.status != 404:
                raise
            body = {"metadata": {"name": name, "namespace": "kube-node-lease"}, "spec": spec}
            self.leases.create_namespaced_lease("kube-node-lease", body)

    def tick(self) -> None:
        """One pass: confirm deletions, bind pending pods, mark bound pods Ready."""
        self.heartbeat()
        nodes = [n for n in self.core.list_node().items if n.metadata.name in self.names]
        pods = self.core.list_pod_for_all_namespaces().items
        load = Counter(p.spec.node_name for p in pods if p.spec.node_name)
        for pod in pods:
            meta = pod.metadata
            try:
                if meta.deletion_timestamp is not None:
                    if pod.spec.node_name:
                        self.core.delete_namespaced_pod(
                            meta.name, meta.namespace, grace_period_seconds=0
                        )
                elif not pod.spec.node_name:
                    fits = [n for n in nodes if admits(n, pod)]
                    if fits:
                        target = min(fits, key=lambda n: (load[n.metadata.name], n.metadata.name))
                        self._bind(pod, target.metadata.name)
                        load[target.metadata.name] += 1
                elif not _is_ready(pod):
                    self._mark_ready(pod)
            except ApiException as exc:
                if exc.status not in (404, 409, 422):
                    raise

    def _bind(self, pod: Any, node: str) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod.metadata.name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        self.core.create_namespaced_pod_binding(
            pod.metadata.name, pod.metadata.namespace, body, _preload_content=False
        )

    def _mark_ready(self, pod: Any) -> None:
        now = _now()
        conditions = [
            {"type": t, "status": "True", "lastTransitionTime": now}
            for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
        ]
        statuses = [
            {
                "name": c.name,
                "image": c.image,
                "imageID": "",
                "ready": True,
                "started": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": now}},
            }
            for c in pod.spec.containers
        ]
        body = {
            "status": {
                "phase": "Running",
                "conditions": conditions,
                "containerStatuses": statuses,
                "hostIP": "127.0.0.1",
                "podIP": "127.0.0.1",
                "startTime": now,
            }
        }
        self.core.patch_namespaced_pod_status(
            pod.metadata.name, pod.metadata.namespace, body, _preload_content=False
        )


def _is_ready(pod: Any) -> bool:
    return pod.status.phase == "Running" and any(
        c.type == "Ready" and c.status == "True" for c in pod.status.conditions or []
    )


def main(argv: list[str] | None = None) -> int:
    """Run the loop until SIGTERM, the parent's exit, or ``--max-seconds``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=4 * 3600)
    args = parser.parse_args(argv)

    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    parent = os.getppid()
    api_client = config.new_client_from_config(args.kubeconfig, context=args.context)
    kubelet = Kubelet(api_client, args.region, args.nodes)
    deadline = time.monotonic() + args.max_seconds
    registered = False
    failures = 0
    with api_client:
        while not stop and time.monotonic() < deadline:
            if os.getppid() != parent:
                break
            try:
                if not registered:
                    kubelet.register()
                    registered = True
                    print(f"kubelet stand-in: {len(kubelet.names)} nodes ready", flush=True)
                kubelet.tick()
                failures = 0
            except (ApiException, HTTPError, OSError) as exc:
                failures += 1
                if failures in (1, 50):
                    print(f"kubelet stand-in: {exc!r}", file=sys.stderr, flush=True)
            time.sleep(TICK_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
