"""How a whole-region drain and its restore cost with the region's size: drillkit's drain fault
(through the engine: snapshot, journal, inject; then restore from the journal) against
``kubectl drain`` of the same nodes, one process per node in parallel, and ``kubectl uncordon``.

``python -m bench.run --only bench.region_drain``. Sizes: 3 nodes/50 pods and 30/500; the
largest, 100/3,000, only with ``BENCH_REGION_LARGE=1`` (it takes about five minutes: two fresh
twins of 6,000 pods each). Each tool gets a fresh, identical twin in its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from kubernetes import client, config

from bench.common import Row
from bench.regionworld import NAMESPACE, RegionTwin, delta, wait_for, write_world

SIZES = [(3, 50), (30, 500)]
LARGE = (100, 3000)
CONTEXT = "sandbox-us"
SETTLE_S = 300.0
PHASE_S = 300.0
ROUNDS = 3


@dataclass
class Phase:
    """One tool's drain or restore: wall and CPU seconds, peak memory, API requests, twin CPU."""

    wall: float = 0.0
    returned: float = 0.0
    cpu: float = 0.0
    rss_kib: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    twin_cpu: float = 0.0
    settle: float = 0.0
    """After restore: until every pod is Running again (the twin's own work)."""
    failed: list[str] = field(default_factory=list)
    """kubectl processes that failed (and were run again), with the end of their stderr."""

    @property
    def total(self) -> int:
        return sum(self.requests.values())


@dataclass
class Size:
    nodes: int
    pods: int
    tool: dict[str, dict[str, Phase]] = field(default_factory=dict)


class Region:
    """Reads of the drained region through the official client, counted (they are ours, not the
    tool's, and come off the twin's request count)."""

    def __init__(self, twin: RegionTwin, nodes: int, pods: int) -> None:
        self.api = config.new_client_from_config(twin.kubeconfig, context=CONTEXT)  # type: ignore[no-untyped-call]
        self.core = client.CoreV1Api(self.api)
        self.nodes = [f"us-node-{n}" for n in range(1, nodes + 1)]
        self.pods = pods
        self.reads = 0

    def close(self) -> None:
        self.api.close()

    def _list(self, **query: Any) -> list[dict[str, Any]]:
        self.reads += 1
        response: Any = self.core.list_namespaced_pod(NAMESPACE, _preload_content=False, **query)
        return list(json.loads(response.data)["items"])

    def running(self) -> int:
        """Pods Running on the user pool (web, cart, bulk: not the DaemonSet)."""
        return sum(
            1
            for p in self._list()
            if p["metadata"]["labels"].get("app") != "log-agent"
            and p["spec"].get("nodeName") in self.nodes
            and p["status"].get("phase") == "Running"
            and "deletionTimestamp" not in p["metadata"]
        )

    def empty(self, node: str) -> bool:
        pods = self._list(field_selector=f"spec.nodeName={node}")
        return all(p["metadata"]["labels"].get("app") == "log-agent" for p in pods)

    def all_empty(self, timeout: float) -> None:
        """Node by node (a cordoned node gets no pod back, so one that was empty stays so)."""
        deadline = time.perf_counter() + timeout
        for node in self.nodes:
            wait_for(partial(self.empty, node), f"{node} empty", deadline - time.perf_counter())

    def settled(self) -> float:
        return wait_for(lambda: self.running() == self.pods, f"{self.pods} pods Running", SETTLE_S)


def _phase_start(twin: RegionTwin) -> tuple[float, dict[str, int], float]:
    return time.perf_counter(), twin.requests(), twin.cpu()


def _phase_end(
    phase: Phase, twin: RegionTwin, start: tuple[float, dict[str, int], float], ours: int
) -> None:
    began, requests, cpu = start
    phase.wall = time.perf_counter() - began
    phase.twin_cpu = twin.cpu() - cpu
    phase.requests = delta(twin.requests(), requests)
    if ours:  # our own finish-line reads
        phase.requests["GET pods"] = phase.requests.get("GET pods", 0) - ours
        phase.requests = {k: v for k, v in phase.requests.items() if v}


class Drillkit:
    """``bench/region_drillkit.py`` in its own process: a command on stdin, a JSON line back."""

    def __init__(self, kubeconfig: str, log: IO[str]) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "bench.region_drillkit", kubeconfig, CONTEXT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )

    def answer(self, what: str) -> dict[str, Any]:
        """Its next line; it is killed after PHASE_S without one (the bench never hangs)."""
        assert self.child.stdout is not None
        timer = threading.Timer(PHASE_S, self.child.kill)
        timer.start()
        try:
            line = self.child.stdout.readline()
        finally:
            timer.cancel()
        if not line:
            raise RuntimeError(f"drillkit's bench process ended (or hung) during {what}")
        return dict(json.loads(line))

    def ask(self, command: str) -> dict[str, Any]:
        assert self.child.stdin is not None
        if command:
            self.child.stdin.write(command + "\n")
            self.child.stdin.flush()
        else:  # end of input: it reports its peak memory and exits
            self.child.stdin.close()
        return self.answer(command or "its exit")

    def close(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
        self.child.wait(30)


def _drillkit(world: Path, nodes: int, pods: int) -> dict[str, Phase]:
    drain, back = Phase(), Phase()
    with RegionTwin(world) as twin, (world.parent / "drillkit.log").open("w") as log:
        region = Region(twin, nodes, pods)
        try:
            region.settled()
            tool = Drillkit(twin.kubeconfig, log)
            try:
                ready = tool.answer("start-up")
                start, reads = _phase_start(twin), region.reads
                injected = tool.ask("inject")
                region.all_empty(PHASE_S)
                _phase_end(drain, twin, start, region.reads - reads)
                drain.returned = injected["seconds"]
                drain.cpu = injected["cpu"] - ready["cpu"]
                start = _phase_start(twin)
                restored = tool.ask("restore")
                _phase_end(back, twin, start, 0)
                if not restored["restored"]:
                    raise RuntimeError(f"drillkit's restore left something behind: {restored}")
                back.returned = restored["seconds"]
                back.cpu = restored["cpu"] - injected["cpu"]
                drain.rss_kib = back.rss_kib = int(tool.ask("")["maxrssKiB"])
            finally:
                tool.close()
            back.settle = region.settled()
        finally:
            region.close()
    return {"drain": drain, "restore": back}


def _parallel(argvs: list[list[str]], env: dict[str, str], phase: Phase) -> None:
    """Run every argv at once, then again those that failed (as an operator would, up to
    ``ROUNDS`` times); sum their CPU seconds and peak RSS into ``phase``."""
    for _ in range(ROUNDS):
        procs = [
            subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for argv in argvs
        ]
        again = []
        deadline = time.perf_counter() + PHASE_S
        for argv, proc in zip(argvs, procs, strict=True):
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    for other in procs:
                        other.kill()
                    raise TimeoutError(f"kubectl did not finish in {PHASE_S:.0f} s")
                time.sleep(0.01)
            proc.returncode = os.waitstatus_to_exitcode(status)
            phase.cpu += usage.ru_utime + usage.ru_stime
            phase.rss_kib += usage.ru_maxrss
            assert proc.stderr is not None
            err = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
            if proc.returncode != 0:
                again.append(argv)
                phase.failed.append(err.strip().splitlines()[-1][-300:] if err.strip() else "?")
        if not again:
            return
        argvs = again
    raise RuntimeError(f"kubectl still failed after {ROUNDS} rounds: {phase.failed[-1]}")


def _kubectl(world: Path, nodes: int, pods: int) -> dict[str, Phase]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not on PATH")
    drain, back = Phase(), Phase()
    with RegionTwin(world) as twin, tempfile.TemporaryDirectory(prefix="bench-home-") as home:
        region = Region(twin, nodes, pods)
        env = {**os.environ, "HOME": home}
        base = [kubectl, "--kubeconfig", twin.kubeconfig, "--context", CONTEXT]
        try:
            region.settled()
            # kubectl caches discovery under $HOME; warm it once, as on an operator's machine.
            subprocess.run([*base, "get", "nodes"], env=env, capture_output=True, check=True,
                           timeout=60)  # fmt: skip
            start = _phase_start(twin)
            _parallel(
                [
                    [
                        *base,
                        "drain",
                        node,
                        "--ignore-daemonsets",
                        "--delete-emptydir-data",
                        "--force",
                        "--timeout",
                        f"{PHASE_S:.0f}s",
                    ]
                    for node in region.nodes
                ],
                env,
                drain,
            )
            _phase_end(drain, twin, start, 0)
            drain.returned = drain.wall
            start = _phase_start(twin)
            _parallel([[*base, "uncordon", node] for node in region.nodes], env, back)
            _phase_end(back, twin, start, 0)
            back.returned = back.wall
            back.settle = region.settled()
        finally:
            region.close()
    return {"drain": drain, "restore": back}


def measure(nodes: int, pods: int) -> Size:
    """drillkit, then kubectl, each on a fresh twin of the same world."""
    size = Size(nodes, pods)
    with tempfile.TemporaryDirectory(prefix="bench-region-") as tmp:
        world = write_world(Path(tmp), nodes, pods)
        for tool, measure_tool in (("drillkit", _drillkit), ("kubectl", _kubectl)):
            size.tool[tool] = measure_tool(world, nodes, pods)
            for name, phase in size.tool[tool].items():
                print(f"  {nodes}/{pods} {tool} {name}: {phase}", file=sys.stderr, flush=True)
    return size


def sizes() -> list[tuple[int, int]]:
    return [*SIZES, LARGE] if os.environ.get("BENCH_REGION_LARGE") == "1" else list(SIZES)


def run() -> list[Row]:
    from bench.region_rows import load_row, rows

    if shutil.which("kubectl") is None:
        return [Row("whole-region drain vs kubectl", "not measured: kubectl is not on PATH",
                    "at most 1.0x kubectl", None, "install kubectl (1.32 here)")]  # fmt: skip

    before = os.getloadavg()
    measured = []
    for nodes, pods in sizes():
        print(f"bench.region_drain: {nodes} nodes / {pods} pods", file=sys.stderr, flush=True)
        measured.append(measure(nodes, pods))
    large = os.environ.get("BENCH_REGION_LARGE") == "1"
    return [*rows(measured, large=large), load_row(before, os.getloadavg())]


if __name__ == "__main__":
    only = [tuple(int(x) for x in a.split("/")) for a in sys.argv[1:]]
    for n, m in only or sizes():
        s = measure(n, m)
        for tool, phases in s.tool.items():
            for name, p in phases.items():
                print(n, m, tool, name, p)
