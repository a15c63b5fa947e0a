"""drillkit's drain vs ``kubectl drain`` of the same node, on the twin and on the real
kube-apiserver 1.20 tier when it is built: ``python -m bench.run --only bench.drain``."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

from bench.common import Row
from bench.drainlib import MAX_UNAVAILABLE, DrainFigures, Target, compare
from bench.twinproc import TwinProcess

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_DRAIN_ROUNDS", "3"))


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _how(tier: str, f: DrainFigures) -> str:
    return (
        f"{tier}: node us-node-1 holding {f.pods} pods of one Deployment behind a PDB "
        f"(maxUnavailable {MAX_UNAVAILABLE}), reset (scale 0, pin, scale back, all Ready) before "
        f"every run; {len(f.kubectl)} interleaved runs each, medians; kubectl drain "
        "`--ignore-daemonsets --delete-emptydir-data` returns once the pods are gone, so "
        "drillkit (cordon + `drillkit.engine.faults.drain.drain_pods` through "
        "`drillkit.adapters.kube.KubeCluster`) "
        "is timed to the same finish line (node empty); its own return (evictions accepted) "
        "is shown in brackets; a budget-blocked eviction (429) makes kubectl wait 5 s before "
        "retrying and polls each pod's deletion once a second (kubectl/pkg/drain), drillkit "
        "backs off 0.1 to 1 s (`drillkit.engine.faults.drain.BACKOFF_S`)"
    )


def _rows(tier: str, f: DrainFigures) -> list[Row]:
    ours, theirs = _med(f.drillkit_empty), _med(f.kubectl)
    return [
        Row(
            f"drain of one node, drillkit vs `kubectl drain` ({tier})",
            f"{ours:.2f} s ({_med(f.drillkit_returned):.2f} s) vs {theirs:.2f} s: "
            f"ratio {ours / theirs:.2f}x",
            "n/a",
            None,
            _how(tier, f),
        )
    ]


def _real_tier() -> DrainFigures | None:
    """The same comparison on kube-apiserver 1.20 (one region), or None when it is not built."""
    try:
        from tests.realapi.cluster import RealCluster, missing_reason
    except ImportError:
        return None
    if missing_reason() is not None:
        return None
    with RealCluster(regions=["us"]) as cluster:
        nodes = [f"us-node-{n}" for n in range(1, cluster.world.regions["us"].nodes + 1)]
        return compare(Target("real", str(cluster.kubeconfig), "real-us", nodes), ROUNDS)


def run() -> list[Row]:
    """Rows for the twin, the real tier (when built), and kubectl twin vs real."""
    with TwinProcess() as twin:
        nodes = [f"us-node-{n}" for n in range(1, 4)]
        on_twin = compare(Target("twin", twin.kubeconfig, "sandbox-us", nodes), ROUNDS)
    rows = _rows("sandbox twin", on_twin)
    on_real = _real_tier()
    if on_real is None:
        rows.append(
            Row(
                "drain on the real kube-apiserver tier",
                "not measured: tier not built",
                "n/a",
                None,
                "run scripts/realapi/build.sh first",
            )
        )
        return rows
    rows += _rows("kube-apiserver 1.20", on_real)
    twin_s, real_s = _med(on_twin.kubectl), _med(on_real.kubectl)
    rows.append(
        Row(
            f"`kubectl drain` of a node with {on_twin.pods} pods: twin vs real kube-apiserver",
            f"{twin_s:.2f} s vs {real_s:.2f} s: ratio {twin_s / real_s:.2f}x",
            "n/a",
            None,
            "the kubectl medians of the two rows above (same scenario, same kubectl); the real "
            "tier's kubelet is the stand-in of tests/realapi/kubelet.py",
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
