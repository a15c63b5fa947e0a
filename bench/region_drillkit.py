"""drillkit's side of the region bench, in its own process (so that its CPU time and peak
memory are its own): the drain fault through the engine, as a drill runs it.

``python -m bench.region_drillkit KUBECONFIG CONTEXT``, then on stdin ``inject`` (snapshot,
journal, inject) and ``restore`` (restore from the journal); each answers one JSON line with
its wall seconds and the process's CPU seconds so far. With ``BENCH_REGION_PROFILE=PREFIX`` each
phase is profiled with cProfile into ``PREFIX.<phase>.pstats``.
"""

from __future__ import annotations

import cProfile
import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.kube import KubeCluster
from drillkit.core.timeline import RestoreOutcome
from drillkit.engine.faults import FaultContext, World
from drillkit.engine.faults.drain import FAULT
from drillkit.engine.journal import Journal
from drillkit.engine.markers import MarkerWriter
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import SnapshotTaken
from drillkit.engine.restore import RestoreControl, restore
from drillkit.spec.loader import load_drill
from drillkit.spec.model import DrainFault

ROOT = Path(__file__).resolve().parents[1]
FAULT_SPEC = {
    "type": "drain",
    "nodeSelector": {"kubernetes.azure.com/mode": "user"},
    "evictionTimeout": "120s",
    "onBlocked": "abort",
    "force": True,  # kubectl drain --force
    "deleteEmptyDirData": True,  # --delete-emptydir-data
}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(phase: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    prefix = os.environ.get("BENCH_REGION_PROFILE")
    profile = cProfile.Profile() if prefix else None
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    try:
        result = fn()
    finally:
        if profile is not None:
            profile.disable()
            profile.dump_stats(f"{prefix}.{phase}.pstats")
    return time.perf_counter() - started, result


def answer(**fields: Any) -> None:
    print(json.dumps({**fields, "cpu": cpu()}), flush=True)


def main(kubeconfig: str, context: str) -> int:
    from drillkit.cli.logsetup import configure_logging

    configure_logging()  # as `drillkit run` does: to stderr (stdout carries the answers)
    clock = SystemClock()
    drill = load_drill(ROOT / "drills" / "sandbox" / "us-outage.yaml")
    fault = DrainFault.model_validate(FAULT_SPEC)
    drill = drill.model_copy(update={"fault": fault})
    cluster = KubeCluster(context, kubeconfig, retry_deadline_s=30.0)
    world = World({drill.target: cluster}, None)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-region-") as tmp:
        journal = Journal(Path(tmp) / "journal.jsonl", clock)
        answer(ready=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "inject":

                def inject() -> int:
                    items = FAULT.snapshot(fault, drill, world)
                    journal.append(SnapshotTaken(items=tuple(items)))
                    ctx = FaultContext(
                        world,
                        Mutator(journal),
                        clock,
                        threading.Event(),
                        mark=MarkerWriter(world, "bench-region").mark,
                    )
                    FAULT.inject(fault, drill, [i for i in items if i.mutable], ctx)
                    return len(items)

                took, nodes = timed("inject", inject)
                answer(phase="inject", seconds=took, nodes=nodes)
            elif command == "restore":
                control = RestoreControl(deadline_s=60.0)
                took, checks = timed(
                    "restore",
                    partial(restore, journal.records(), world, journal, control=control),
                )
                ok = all(c.outcome is RestoreOutcome.RESTORED for c in checks)
                answer(phase="restore", seconds=took, restored=ok, items=len(checks))
            else:
                break
        journal.close()
    cluster.close()
    answer(maxrssKiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
