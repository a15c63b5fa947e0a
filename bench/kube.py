"""The Kubernetes API twin: start-up, and list latency with 2,000 pods
(``python -m bench.run --only bench.kube``)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from kubernetes import client, config

from bench.common import Row
from bench.drainlib import wait_for
from bench.twinproc import TwinProcess
from drillkit.sandbox.runtime import Sandbox
from drillkit.sandbox.world import load_world

PODS = 2000


def _startup_in_process(components: list[Any] | None, runs: int) -> list[float]:
    """Seconds from ``Sandbox.start()`` to serving, for a fresh sandbox each run."""
    world = load_world()
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="drillkit-bench-") as tmp:

            async def once(path: str = tmp) -> float:
                box = Sandbox(world, Path(path), components=components)
                started = time.perf_counter()
                await box.start()
                took = time.perf_counter() - started
                await box.stop()
                return took

            samples.append(asyncio.run(once()))
    return samples


def _startup_cli(runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        with TwinProcess() as twin:
            samples.append(twin.ready_s)
    return samples


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f})"


def startup_rows(runs: int = 5) -> list[Row]:
    kube_only = _startup_in_process([], runs)
    everything = _startup_in_process(None, runs)
    cli = _startup_cli(3)
    rows = []
    for what, samples, how in [
        ("kube twin start-up, in process (2 regions, TLS, seeded, serving)", kube_only,
         f"{runs} fresh `Sandbox(world, dir, components=[]).start()`"),
        ("whole twin start-up, in process (kube + Traffic Manager + DNS + ingress)", everything,
         f"{runs} fresh `Sandbox(world, dir).start()` with the default components"),
        ("`drillkit sandbox up` from exec to its ready line", cli,
         "3 runs; includes the interpreter start and the imports (aiohttp, cryptography, "
         "dnspython, pydantic models); the CPU-time rows below split work from waiting"),
    ]:  # fmt: skip
        rows.append(Row(what, _ms(samples), "under 1 s", statistics.median(samples) < 1.0, how))
    return rows


def _deployment(replicas: int) -> Any:
    return {
        "metadata": {"name": "bulk"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "bulk"}},
            "template": {
                "metadata": {"labels": {"app": "bulk"}},
                "spec": {"containers": [{"name": "bulk", "image": "bench/bulk:1"}]},
            },
        },
    }


def list_rows() -> list[Row]:
    """A 2,000-pod Deployment on the twin (its own process), then timed lists."""
    with TwinProcess() as twin:
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            twin.kubeconfig, context="sandbox-us"
        )
        try:
            core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
            core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="bench")))
            apps.create_namespaced_deployment("bench", _deployment(PODS))

            def ready() -> bool:
                status = apps.read_namespaced_deployment("bulk", "bench").status
                return bool(status and (status.ready_replicas or 0) == PODS)

            started = time.perf_counter()
            wait_for(ready, f"{PODS} pods Ready", 240)
            settle = time.perf_counter() - started
            raw, parsed = [], []
            for _ in range(7):
                t = time.perf_counter()
                response: Any = core.list_namespaced_pod("bench", _preload_content=False)
                response.read()
                raw.append(time.perf_counter() - t)
            for _ in range(3):
                t = time.perf_counter()
                count = len(core.list_namespaced_pod("bench").items)
                parsed.append(time.perf_counter() - t)
            assert count == PODS
        finally:
            api.close()
    how = (
        f"twin in its own process (`drillkit sandbox up`); a Deployment of {PODS} pods "
        f"(scheduled and Ready in {settle:.1f} s); official client `list_namespaced_pod`"
    )
    return [
        Row(f"list {PODS} pods, raw JSON", _ms(raw), "n/a", None, f"{how}, 7 runs"),
        Row(
            f"list {PODS} pods, deserialized into client models",
            _ms(parsed),
            "n/a",
            None,
            f"{how}, 3 runs (most of it is the client's model deserialization)",
        ),
    ]


def run() -> list[Row]:
    """Start-up rows, then the list rows."""
    return startup_rows() + list_rows()


if __name__ == "__main__":
    for row in run():
        print(row)
