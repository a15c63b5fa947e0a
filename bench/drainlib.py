"""The drain scenario shared by the twin and the real apiserver: 50 pods pinned on one node behind
a PodDisruptionBudget, drained by kubectl or by drillkit's engine, and reset between runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, config

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.kube import KubeCluster
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.faults.drain import drain_pods
from drillkit.engine.journal import Journal
from drillkit.engine.mutator import Mutator
from drillkit.spec.model import DrainFault

NAMESPACE = "bench-drain"
NAME = "bulk"
PODS = 50
MAX_UNAVAILABLE = 5  # the budget: at most 10 % of the 50 pods away at once
SETTLE_S = 180.0


def wait_for(check: Callable[[], bool], what: str, timeout: float = SETTLE_S) -> None:
    """Poll ``check`` every 50 ms until true; TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"benchmark setup: {what} did not happen in {timeout:.0f} s")
        time.sleep(0.05)


@dataclass
class Target:
    """One cluster to drain: kubeconfig, context, and the node names of the region."""

    label: str
    kubeconfig: str
    context: str
    nodes: list[str]

    @property
    def node(self) -> str:
        return self.nodes[0]


class Scenario:
    """Creates the Deployment + budget and puts its pods back on the first node before each run."""

    def __init__(self, target: Target, pods: int = PODS) -> None:
        self.target = target
        self.pods = pods
        self.api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            target.kubeconfig, context=target.context
        )
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)

    def close(self) -> None:
        self.api.close()

    def _cordon(self, node: str, value: bool) -> None:
        self.core.patch_node(node, {"spec": {"unschedulable": value}})

    def _bulk_pods(self) -> list[Any]:
        return list(self.core.list_namespaced_pod(NAMESPACE, label_selector=f"app={NAME}").items)

    def _ready_on_node(self) -> int:
        return sum(
            1
            for p in self._bulk_pods()
            if p.spec.node_name == self.target.node
            and p.metadata.deletion_timestamp is None
            and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
        )

    def create(self) -> None:
        self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NAMESPACE)))
        template = {
            "metadata": {"labels": {"app": NAME}},
            "spec": {"containers": [{"name": NAME, "image": f"bench/{NAME}:1"}]},
        }
        body: Any = {
            "metadata": {"name": NAME},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": NAME}},
                "template": template,
            },
        }
        self.apps.create_namespaced_deployment(NAMESPACE, body)
        pdb = {
            "apiVersion": "policy/v1beta1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": NAME},
            "spec": {"maxUnavailable": MAX_UNAVAILABLE, "selector": {"matchLabels": {"app": NAME}}},
        }
        # policy/v1beta1 exists on 1.20 and on the twin: the same budget on both tiers.
        request = self.api.param_serialize(
            "POST",
            f"/apis/policy/v1beta1/namespaces/{NAMESPACE}/poddisruptionbudgets",
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body=pdb,
            auth_settings=["BearerToken"],
        )
        response = self.api.call_api(*request)
        response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"creating the budget: {response.status} {response.data!r}")

    def reset(self) -> None:
        """Every pod of the Deployment Ready on the first node, every node schedulable."""
        others = self.target.nodes[1:]
        self._cordon(self.target.node, False)
        self.apps.patch_namespaced_deployment_scale(NAME, NAMESPACE, {"spec": {"replicas": 0}})
        wait_for(lambda: not self._bulk_pods(), "scale to 0")
        for node in others:
            self._cordon(node, True)
        self.apps.patch_namespaced_deployment_scale(
            NAME, NAMESPACE, {"spec": {"replicas": self.pods}}
        )
        wait_for(lambda: self._ready_on_node() == self.pods, f"{self.pods} pods Ready")
        for node in others:
            self._cordon(node, False)

    def evictable_on_node(self) -> int:
        """Pods a drain must evict from the node (not DaemonSet pods)."""
        pods = self.core.list_pod_for_all_namespaces(
            field_selector=f"spec.nodeName={self.target.node}"
        ).items
        owners = [(p.metadata.owner_references if p.metadata else None) or [] for p in pods]
        return sum(1 for refs in owners if not any(o.kind == "DaemonSet" for o in refs))

    def node_empty(self) -> bool:
        """No non-DaemonSet pod is left on the node (the point where kubectl drain returns)."""
        return self.evictable_on_node() == 0

    def restore_node(self) -> None:
        self._cordon(self.target.node, False)


def kubectl_drain(target: Target) -> float:
    """Wall seconds of ``kubectl drain`` of the first node (it returns once the pods are gone)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not on PATH")
    argv = [
        kubectl,
        "--kubeconfig",
        target.kubeconfig,
        "--context",
        target.context,
        "drain",
        target.node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout",
        "180s",
    ]
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-home-") as home:
        env = {**os.environ, "HOME": home}
        started = time.perf_counter()
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=240, check=False
        )
        took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"kubectl drain failed: {done.stderr[-1500:]}")
    return took


def drillkit_drain(target: Target, scenario: Scenario) -> tuple[float, float]:
    """drillkit's drain (cordon + the engine's concurrent evictions through ``KubeCluster``).

    Returns the seconds until drillkit returned (evictions accepted) and until the node was
    empty (kubectl's finish line), both from the same start.
    """
    clock = SystemClock()
    fault = DrainFault.model_validate(
        {"type": "drain", "evictionTimeout": "120s", "onBlocked": "abort"}
    )
    cluster = KubeCluster(target.context, target.kubeconfig, retry_deadline_s=30.0)
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-journal-") as tmp:
        journal = Journal(Path(tmp) / "journal.jsonl", clock)
        world = World({"r": cluster}, None)  # type: ignore[arg-type]
        ctx = FaultContext(world, Mutator(journal), clock, threading.Event())
        try:
            started = time.perf_counter()
            cluster.set_unschedulable(target.node, True)
            drain_pods(ctx, "r", [target.node], fault)
            returned = time.perf_counter() - started
            wait_for(scenario.node_empty, "node empty after drillkit drain")
            empty = time.perf_counter() - started
        finally:
            cluster.close()
    return returned, empty


@dataclass
class DrainFigures:
    """Interleaved samples of both tools on one tier."""

    pods: int
    kubectl: list[float]
    drillkit_returned: list[float]
    drillkit_empty: list[float]


def compare(target: Target, rounds: int) -> DrainFigures:
    """kubectl and drillkit drains of the same node, interleaved, reset before every run."""
    scenario = Scenario(target)
    try:
        scenario.create()
        scenario.reset()
        kubectl_drain(target)  # warm-up: moves the world's own pods off the node for good
        figures = DrainFigures(0, [], [], [])
        for _ in range(rounds):
            scenario.reset()
            figures.pods = scenario.evictable_on_node()
            figures.kubectl.append(kubectl_drain(target))
            scenario.reset()
            returned, empty = drillkit_drain(target, scenario)
            figures.drillkit_returned.append(returned)
            figures.drillkit_empty.append(empty)
        scenario.restore_node()
        return figures
    finally:
        scenario.close()
