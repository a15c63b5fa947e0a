"""Benchmark of the Kubernetes API twin: start-up, a 2,000-pod list, kubectl drain of 50 pods.

Run: ``python bench/kube_twin.py`` (needs kubectl on PATH for the drain figure). Prints one line
per measurement; medians over several runs where a run is cheap.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client, config

from drillkit.sandbox.runtime import Sandbox, SandboxThread
from drillkit.sandbox.world import load_world
from drillkit.spec.durations import Duration

PODS = 2000
DRAIN_PODS = 50


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f})"


def startup_in_process(runs: int = 5) -> list[float]:
    world = load_world()
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:

            async def once(path: str = tmp) -> float:
                box = Sandbox(world, Path(path), components=[])
                started = time.perf_counter()
                await box.start()
                took = time.perf_counter() - started
                await box.stop()
                return took

            samples.append(asyncio.run(once()))
    return samples


def startup_cli(runs: int = 3) -> list[float]:
    """Wall time from exec to the ready line of ``drillkit sandbox up`` (all components)."""
    samples = []
    cmd = [sys.executable, "-c", "from drillkit.cli.main import main; main()", "sandbox", "up"]
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [*cmd, "--state-dir", tmp],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert proc.stdout is not None
            line = proc.stdout.readline()
            samples.append(time.perf_counter() - started)
            proc.terminate()
            proc.wait(20)
            assert line.startswith("sandbox ready"), line
    return samples


def ready_replicas(apps: client.AppsV1Api, name: str) -> int:
    status = apps.read_namespaced_deployment(name, "bench").status
    return (status.ready_replicas or 0) if status else 0


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark setup did not settle")
        time.sleep(0.05)


def deployment(name: str, replicas: int, node: str | None = None) -> dict[str, object]:
    spec: dict[str, object] = {"containers": [{"name": name, "image": f"bench/{name}:1"}]}
    if node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": node}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": spec},
        },
    }


def kubectl_env(sb: SandboxThread, home: str) -> dict[str, str]:
    return {**os.environ, "HOME": home, "KUBECONFIG": sb.info["kubeconfig"]}


def bench_lists(sb: SandboxThread, core: Any, apps: Any, kubectl: str | None) -> None:
    """A Deployment of PODS pods, then list them with the client and with kubectl."""
    core.create_namespace({"metadata": {"name": "bench"}})
    apps.create_namespaced_deployment("bench", deployment("bulk", PODS))
    t = time.perf_counter()
    wait_for(lambda: ready_replicas(apps, "bulk") == PODS, 120)
    print(
        f"a Deployment of {PODS} pods created, scheduled and Ready: {time.perf_counter() - t:.1f} s"
    )
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        core.list_namespaced_pod("bench", _preload_content=False).read()
        samples.append(time.perf_counter() - t)
    print(f"list {PODS} pods, official client (raw JSON): {median_ms(samples)}")
    samples = []
    for _ in range(3):
        t = time.perf_counter()
        assert len(core.list_namespaced_pod("bench").items) == PODS
        samples.append(time.perf_counter() - t)
    print(f"list {PODS} pods, official client (deserialized): {median_ms(samples)}")
    if kubectl is not None:
        samples = []
        with tempfile.TemporaryDirectory() as home:
            for _ in range(3):
                t = time.perf_counter()
                out = subprocess.run(
                    [
                        kubectl,
                        "--context",
                        "sandbox-us",
                        "get",
                        "pods",
                        "-n",
                        "bench",
                        "--no-headers",
                    ],
                    env=kubectl_env(sb, home),
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                samples.append(time.perf_counter() - t)
                assert len(out.splitlines()) == PODS
        print(f"kubectl get pods ({PODS}, Table, pages of 500): {median_ms(samples)}")
    apps.delete_namespaced_deployment("bulk", "bench")
    wait_for(lambda: not core.list_namespaced_pod("bench").items, 120)


def bench_drain(sb: SandboxThread, core: Any, apps: Any, kubectl: str) -> None:
    """Pack DRAIN_PODS pods onto us-node-1, then time ``kubectl drain`` of it."""
    for node in ("us-node-2", "us-node-3"):
        core.patch_node(node, {"spec": {"unschedulable": True}})
    apps.create_namespaced_deployment("bench", deployment("drainme", DRAIN_PODS))
    wait_for(lambda: ready_replicas(apps, "drainme") == DRAIN_PODS)
    for node in ("us-node-2", "us-node-3"):
        core.patch_node(node, {"spec": {"unschedulable": False}})
    on_node = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=us-node-1")
    with tempfile.TemporaryDirectory() as home:
        t = time.perf_counter()
        result = subprocess.run(
            [
                kubectl,
                "--context",
                "sandbox-us",
                "drain",
                "us-node-1",
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--timeout",
                "120s",
                *os.environ.get("BENCH_KUBECTL_ARGS", "").split(),
            ],
            env=kubectl_env(sb, home),
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - t
    assert result.returncode == 0, result.stderr
    print(
        f"kubectl drain of a node with {len(on_node.items)} pods ({DRAIN_PODS} evictable): "
        f"{took * 1000:.0f} ms (kubectl's client-side throttling, 5 requests/s, dominates: "
        "run with BENCH_KUBECTL_ARGS=--v=6 to see each twin answer in 1-3 ms)"
    )


def main() -> None:
    started = startup_in_process()
    print(f"start-up, in process (2 regions, TLS, seeded, serving): {median_ms(started)}")
    print(
        f"start-up, 'drillkit sandbox up' to ready line (with TM twin): {median_ms(startup_cli())}"
    )
    world = load_world().model_copy(update={"pod_ready_delay": Duration(0.05)})
    kubectl = shutil.which("kubectl")
    with SandboxThread(world, components=[]) as sb:
        api: Any = config.new_client_from_config(  # type: ignore[no-untyped-call]
            sb.info["kubeconfig"], context="sandbox-us"
        )
        try:
            core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
            bench_lists(sb, core, apps, kubectl)
            if kubectl is None:
                print("kubectl drain: skipped (no kubectl on PATH)")
            else:
                bench_drain(sb, core, apps, kubectl)
        finally:
            api.close()


if __name__ == "__main__":
    main()
