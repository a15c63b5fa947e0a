"""docs/benchmarks.md rows of the region drain bench (``bench/region_drain.py``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bench.common import Row

if TYPE_CHECKING:
    from bench.region_drain import Phase, Size

HOW = (
    "`python -m bench.run --only bench.region_drain` (the 100-node size with "
    "`BENCH_REGION_LARGE=1`); a fresh twin (`drillkit sandbox up`, own process) of the same world "
    "per tool: the default world with N user nodes per region, the shop's web + cart and "
    "Deployments `bulk-<k>` making M pods, no PodDisruptionBudget over them (a whole-region "
    "drain leaves no node for replacements: a budget would block both tools), AKS system pool "
    "not drained. drillkit: the drain fault through the engine in its own process "
    "(snapshot, journal, cordon + evict with `nodeSelector: {kubernetes.azure.com/mode: user}`, "
    "`force`, `deleteEmptyDirData`), then `restore` from the journal; kubectl 1.32: one "
    "`kubectl drain --ignore-daemonsets --delete-emptydir-data --force` per node, all at once, "
    "then one `kubectl uncordon` per node, all at once (a failed process is run again)"
)


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")


def _verdict(ratio: float, goal: float = 1.0) -> str:
    return "" if ratio <= goal else f" (missed by {(ratio - goal) * 100:.0f} %)"


def _requests(phase: Phase) -> str:
    top = sorted(phase.requests.items(), key=lambda kv: -kv[1])[:4]
    return ", ".join(f"{n} {k}" for k, n in top)


def _twin(size: Size, tool: str) -> str:
    drain = size.tool[tool]["drain"]
    share = drain.twin_cpu / drain.wall if drain.wall else 0.0
    return f"{drain.twin_cpu:.1f} s CPU in {drain.wall:.1f} s ({share * 100:.0f} % of a core)"


def size_rows(size: Size, largest: bool) -> list[Row]:
    """Drain, restore, requests, CPU, memory and the twin's load for one size."""
    d, k = size.tool["drillkit"], size.tool["kubectl"]
    label = f"{size.nodes} nodes / {size.pods} pods"
    drain = _ratio(d["drain"].wall, k["drain"].wall)
    back = _ratio(d["restore"].wall, k["restore"].wall)
    fast = d["restore"].wall < 10.0 or not largest
    asked = d["drain"].total + d["restore"].total
    theirs = k["drain"].total + k["restore"].total
    cpu = d["drain"].cpu + d["restore"].cpu
    their_cpu = k["drain"].cpu + k["restore"].cpu
    rss = _ratio(d["drain"].rss_kib, k["drain"].rss_kib)
    failed = k["drain"].failed + k["restore"].failed
    retried = (
        f"; {len(failed)} kubectl processes failed and ran again: {failed[0]}" if failed else ""
    )
    return [
        Row(
            f"whole-region drain, {label}: drillkit vs `kubectl drain` per node in parallel",
            f"{d['drain'].wall:.2f} s (drillkit returned at {d['drain'].returned:.2f} s) vs "
            f"{k['drain'].wall:.2f} s: ratio {drain:.2f}x{_verdict(drain)}",
            "at most 1.0x kubectl",
            drain <= 1.0,
            "to the same finish line, every evicted pod gone from the drained nodes (kubectl "
            "returns there; drillkit returns once its evictions are accepted, shown in brackets)"
            f"; {HOW}{retried}",
        ),
        Row(
            f"restore of the drained region, {label}: drillkit vs `kubectl uncordon`",
            f"{d['restore'].wall:.2f} s vs {k['restore'].wall:.2f} s: ratio {back:.2f}x"
            f"{_verdict(back)}; pods Running again {d['restore'].settle:.1f} s later (twin)",
            "at most 1.0x kubectl" + (", under 10 s" if largest else ""),
            back <= 1.0 and fast,
            "drillkit: `restore()` of the journal (read, uncordon, read back, clear the marker, "
            "per node; nodes in parallel); kubectl: until every uncordon process has exited; "
            f"{HOW}",
        ),
        Row(
            f"API requests of drain + restore, {label}: drillkit vs kubectl",
            f"{asked} ({_requests(d['drain'])}) vs {theirs} ({_requests(k['drain'])}): ratio "
            f"{_ratio(asked, theirs):.2f}x{_verdict(_ratio(asked, theirs))}",
            "at most 1.0x kubectl",
            asked <= theirs,
            "counted by the twin (admin `GET /requests`, by verb and resource), the bench's own "
            "finish-line reads taken off",
        ),
        Row(
            f"CPU time of drain + restore, {label}: drillkit vs kubectl",
            f"{cpu:.2f} s vs {their_cpu:.2f} s (all kubectl processes): ratio "
            f"{_ratio(cpu, their_cpu):.2f}x{_verdict(_ratio(cpu, their_cpu))}",
            "at most 1.0x kubectl",
            cpu <= their_cpu,
            "drillkit: `resource.getrusage(RUSAGE_SELF)` of its process across inject and "
            "restore (its start-up and imports before the drill not counted); kubectl: user + "
            "system of every process from `os.wait4`, start-up included (it is how kubectl "
            "drains a region)",
        ),
        Row(
            f"peak memory, {label}: drillkit vs kubectl",
            f"{d['drain'].rss_kib / 1024:.0f} MiB vs {k['drain'].rss_kib / 1024:.0f} MiB (summed "
            f"peaks of the drain's kubectl processes, which run at once): ratio {rss:.2f}x",
            "at most 1.0x kubectl",
            rss <= 1.0,
            "peak RSS (`ru_maxrss`) of drillkit's process (interpreter and imports included) "
            "and of each kubectl process",
        ),
        Row(
            f"the twin's load while draining, {label}",
            f"drillkit's run: {_twin(size, 'drillkit')}; kubectl's run: {_twin(size, 'kubectl')}",
            "n/a",
            None,
            "CPU of the twin's process (/proc/PID/stat) during the drain; near 100 % the twin, "
            "a single asyncio process serving the API and running every controller, is the "
            "bottleneck and every figure of that row is the twin's as much as the tool's",
        ),
    ]


def rows(sizes: list[Size], *, large: bool) -> list[Row]:
    out: list[Row] = []
    for size in sizes:
        out += size_rows(size, largest=size is sizes[-1] and large)
    if not large:
        out.append(
            Row(
                "whole-region drain and restore, 100 nodes / 3000 pods",
                "not measured in this run",
                "at most 1.0x kubectl; restore under 10 s",
                None,
                "opt-in: `BENCH_REGION_LARGE=1 python -m bench.run --only bench.region_drain` "
                "(two fresh twins of 6,000 pods each; several minutes on a shared machine)",
            )
        )
    return out


def load_row(before: tuple[float, float, float], after: tuple[float, float, float]) -> Row:
    """How busy the shared machine was around these figures."""
    return Row(
        "machine load around the region drain bench",
        f"1-minute load average {before[0]:.1f} before, {after[0]:.1f} after; 15-minute "
        f"{after[2]:.1f}, on {os.cpu_count()} cores",
        "n/a",
        None,
        "`os.getloadavg()`; above the core count every figure of the region rows waited for CPU "
        "(drillkit, kubectl and the twin alike: compare the ratios)",
    )
