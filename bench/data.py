"""Replication canaries against the twin's ground truth: lag and RPO within one ``every``, and
exactly the lost ids the twin recorded. ``python -m bench.run --only bench.data``.

Each run is ``drillkit run drills/sandbox/us-outage-data.yaml --attach STATE`` against one
``drillkit sandbox up`` (the default world, then ``world-lossy.yaml``); the truth is the
``replicated`` and ``lost`` events of the admin ``GET /events``, for the run's own ids.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import Row
from bench.drill import DRILLKIT, sandbox_up, stop_sandbox
from drillkit.evidence.catalog import evidence_json_files
from drillkit.spec.loader import load_drill

ROOT = Path(__file__).resolve().parents[1]
DATA_DRILL = ROOT / "drills" / "sandbox" / "us-outage-data.yaml"
LOSSY_WORLD = ROOT / "drills" / "sandbox" / "world-lossy.yaml"


def run_drill(work: Path, state: Path) -> tuple[int, dict[str, Any]]:
    """One attached run; its exit code and JSON evidence document."""
    argv = [
        *DRILLKIT, "run", str(DATA_DRILL), "--yes",
        "--evidence-dir", str(work / "evidence"), "--runs-dir", str(work / "runs"),
        "--attach", str(state),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"drill exited {done.returncode}: {done.stderr[-2000:]}")
    [evidence] = evidence_json_files(work / "evidence")
    return done.returncode, json.loads(evidence.read_text(encoding="utf-8"))


def compare(doc: dict[str, Any], events: list[dict[str, Any]], survivor: str) -> dict[str, Any]:
    """Measured against true figures for one run's canary ``orders``."""
    [canary] = doc["data"]["canaries"]
    prefix = f"{canary['name']}-{doc['runId'].rsplit('-', 1)[-1]}-"
    ours = [e for e in events if str(e.get("id", "")).startswith(prefix) and e["to"] == survivor]
    replicated = {e["id"]: e["at"] - e["writtenAt"] for e in ours if e["kind"] == "replicated"}
    lost = [e for e in ours if e["kind"] == "lost"]
    points = [p for p in canary["lagSeries"] if p["id"] in replicated]
    inside = [abs(p["lagS"] - replicated[p["id"]]) <= p["uncertaintyS"] + 0.001 for p in points]
    true_rpo = max((e["at"] for e in lost), default=0.0) - min(
        (e["writtenAt"] for e in lost), default=0.0
    )

    def rank(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    measured = [p["lagS"] for p in points]
    true = [replicated[p["id"]] for p in points]
    return {
        "lagErrors": {
            q: rank(measured, v) - rank(true, v)
            for q, v in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
        },
        "inside": (sum(inside), len(inside)),
        "lagErrorMax": max(abs(p["lagS"] - replicated[p["id"]]) for p in points),
        "halfWidthMax": max(p["uncertaintyS"] for p in points),
        "rpoError": doc["data"]["rpo"]["measuredS"] - true_rpo,
        "lostMeasured": sorted(canary["lostWrites"]),
        "lostTrue": sorted(e["id"] for e in lost),
        "writeBack": canary["writeBack"],
        "verdict": doc["verdict"]["outcome"],
        "reason": doc["verdict"]["reason"],
    }


def runs(world: Path | None, count: int) -> list[dict[str, Any]]:
    drill = load_drill(DATA_DRILL)
    results = []
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-data-") as tmp:
        state = Path(tmp) / "state"
        proc = sandbox_up(state, world)
        try:
            info = json.loads((state / "world.json").read_text(encoding="utf-8"))
            admin = info["admin"]["url"].rstrip("/")
            auth = {"Authorization": f"Bearer {info['admin'].get('token', '')}"}
            for i in range(count):
                _, doc = run_drill(Path(tmp) / f"run-{i}", state)
                with httpx.Client(timeout=10, trust_env=False) as http:
                    events = http.get(f"{admin}/events", headers=auth).json()["events"]
                results.append(compare(doc, events, drill.survivors[0]))
                time.sleep(1.0)
        finally:
            stop_sandbox(proc)
    return results


def run() -> list[Row]:
    """Ten attached drills per world (BENCH_DATA_RUNS), measured against ground truth."""
    drill = load_drill(DATA_DRILL)
    every = float(drill.observe.data[0].every)
    count = int(os.environ.get("BENCH_DATA_RUNS", "10"))
    plain, lossy = runs(None, count), runs(LOSSY_WORLD, count)
    how = (f"{count} drills `drillkit run drills/sandbox/us-outage-data.yaml --attach` against one "
           "`drillkit sandbox up`; truth: `replicated` / `lost` events of admin `GET /events` "
           "for the run's own ids")  # fmt: skip
    return [
        Row(
            "canary lag p50 / p95 / max, default world: measured - true, per run",
            "; ".join(
                " / ".join(f"{r['lagErrors'][q] * 1000:+.0f}" for q in ("p50", "p95", "max"))
                + " ms"
                for r in plain
            ),
            f"each within one every ({every * 1000:.0f} ms)",
            all(abs(v) <= every for r in plain for v in r["lagErrors"].values()),
            how + "; percentiles nearest-rank over the run's writes read on eu",
        ),
        Row(
            "canary lag per write, default world: true lag inside measured midpoint ± half width",
            ", ".join(f"{r['inside'][0]}/{r['inside'][1]}" for r in plain)
            + " (worst |midpoint - true| per run: "
            + ", ".join(f"{r['lagErrorMax'] * 1000:.0f}" for r in plain)
            + " ms; widest half width per run: "
            + ", ".join(f"{r['halfWidthMax'] * 1000:.0f}" for r in plain)
            + " ms)",
            "every write (+1 ms for rounding in the JSON evidence)",
            all(r["inside"][0] == r["inside"][1] for r in plain),
            how,
        ),
        Row(
            "canary RPO, lossy world: measured - true (latest `lost` minus the oldest lost write)",
            ", ".join(f"{r['rpoError'] * 1000:+.0f} ms" for r in lossy),
            f"within one every ({every * 1000:.0f} ms)",
            all(abs(r["rpoError"]) <= every for r in lossy),
            how + " (`--world drills/sandbox/world-lossy.yaml`)",
        ),
        Row(
            "canary lost writes, lossy world: measured ids equal the twin's `lost` ids",
            ", ".join(
                f"{len(r['lostMeasured'])}/{len(r['lostTrue'])}"
                + ("" if r["lostMeasured"] == r["lostTrue"] else " differ")
                for r in lossy
            ),
            "identical in every run, and lostWrites: 0 fails naming them when any was lost",
            all(
                r["lostMeasured"] == r["lostTrue"]
                and (
                    not r["lostTrue"]  # no write was in flight: none lost, and a pass is right
                    or (
                        r["verdict"] == "fail" and all(i in r["reason"] for i in r["lostTrue"][:20])
                    )
                )
                for r in lossy
            ),
            how + " (`--world drills/sandbox/world-lossy.yaml`)",
        ),
        Row(
            "canary write-back after failback (both worlds)",
            ", ".join(
                f"{r['writeBack']['readable']}/{r['writeBack']['accepted']}" for r in plain + lossy
            ),
            "every write the survivor accepted is readable through the target after restore",
            all(
                r["writeBack"]["readable"] == r["writeBack"]["accepted"] > 0 for r in plain + lossy
            ),
            how,
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
