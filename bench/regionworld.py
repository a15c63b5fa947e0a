"""A region of N user nodes and M pods as a sandbox world file, its twin in a child process,
and what the twin says about itself (API requests from admin ``/requests``, CPU from /proc)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.twinproc import TwinProcess
from drillkit.sandbox.world import DEFAULT_WORLD

REGION = "us"
USER_POOL = {"kubernetes.azure.com/mode": "user"}
PER_DEPLOYMENT = 100  # replicas of each bulk Deployment
NAMESPACE = "shop"


def region_world(nodes: int, pods: int) -> dict[str, Any]:
    """The default world with ``nodes`` user nodes per region and ``pods`` pods on them that a
    drain evicts: the shop's web (3) and cart (2), plus Deployments ``bulk-<k>`` for the rest.

    No PodDisruptionBudget covers them: a whole-region drain leaves no node for replacements,
    so a budget would block both drillkit and kubectl until their timeouts (DESIGN.md).
    Traffic Manager's realism is off (one probe agent, no propagation): it is not measured.
    """
    world: dict[str, Any] = yaml.safe_load(DEFAULT_WORLD.read_text(encoding="utf-8"))
    for region in world["regions"].values():
        region["nodes"] = nodes
    workloads: list[dict[str, Any]] = [
        {"kind": "Deployment", "name": "web", "replicas": 3},
        {"kind": "StatefulSet", "name": "cart", "replicas": 2},
        {"kind": "DaemonSet", "name": "log-agent"},
    ]
    rest = max(0, pods - 5)
    count = math.ceil(rest / PER_DEPLOYMENT)
    for k in range(count):
        share = rest // count + (1 if k < rest % count else 0)
        workloads.append({"kind": "Deployment", "name": f"bulk-{k + 1}", "replicas": share})
    world["namespaces"] = [{"name": NAMESPACE, "workloads": workloads}]
    realism = world["trafficManager"]["realism"]
    realism.update(probeAgents=1, probeJitter=0.0, propagation={"minDelay": "0s", "maxDelay": "0s"})
    realism["nameServers"] = realism["nameServers"][:1]
    return world


def write_world(directory: Path, nodes: int, pods: int) -> Path:
    path = directory / f"world-{nodes}-{pods}.yaml"
    path.write_text(yaml.safe_dump(region_world(nodes, pods), sort_keys=False), encoding="utf-8")
    return path


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RegionTwin(TwinProcess):
    """``drillkit sandbox up --world <region world>`` in a child process."""

    def __init__(self, world: Path) -> None:
        super().__init__("--world", str(world))
        self._admin: httpx.Client | None = None

    def __enter__(self) -> RegionTwin:
        super().__enter__()
        admin = self.info["admin"]
        self._admin = httpx.Client(
            base_url=admin["url"],
            headers={"Authorization": f"Bearer {admin['token']}"},
            timeout=30,
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._admin is not None:
            self._admin.close()
        super().__exit__(*exc)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def requests(self) -> dict[str, int]:
        """The US kube twin's request count by label since start-up."""
        assert self._admin is not None
        answer = self._admin.get("/requests", params={"target": f"kube:{REGION}"})
        answer.raise_for_status()
        return dict(answer.json()["targets"][f"kube:{REGION}"]["by"])


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def wait_for(check: Callable[[], bool], what: str, timeout: float) -> float:
    """Poll ``check`` every 100 ms until true; the seconds it took; TimeoutError after
    ``timeout``."""
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"region bench: {what} did not happen in {timeout:.0f} s")
        time.sleep(0.1)
    return time.perf_counter() - started
