"""Read-only commands are quick: ``drillkit plan --inspect`` (attached to a running sandbox, and
with the embedded twin) against ``python -c "import kubernetes"``, interleaved in one run:
``python -m bench.run --only bench.inspect``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cli import _tool
from bench.common import Row, median_ms, time_commands

ROOT = Path(__file__).resolve().parents[1]
US_OUTAGE = ROOT / "drills" / "sandbox" / "us-outage.yaml"
ROUNDS = int(os.environ.get("BENCH_INSPECT_ROUNDS", "9"))


def _sandbox(state: Path) -> subprocess.Popen[bytes]:
    """``drillkit sandbox up`` on ``state``, returned once its world.json is written."""
    proc = subprocess.Popen(
        [_tool("drillkit"), "sandbox", "up", "--world", str(US_OUTAGE.parent / "world.yaml"),
         "--state-dir", str(state)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (state / "world.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("drillkit sandbox up did not start")
        time.sleep(0.2)
    return proc


def run() -> list[Row]:
    """Attached and embedded ``plan --inspect`` vs the kubernetes import, medians."""
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-") as tmp:
        state = Path(tmp) / "sandbox"
        box = _sandbox(state)
        try:
            plan = [_tool("drillkit"), "plan", str(US_OUTAGE), "--inspect"]
            samples = time_commands(
                {
                    "kubernetes": [sys.executable, "-c", "import kubernetes"],
                    "attached": [*plan, "--attach", str(state)],
                    "embedded": plan,
                },
                rounds=ROUNDS,
            )
        finally:
            box.send_signal(signal.SIGTERM)
            box.wait(timeout=30)
    base = median_ms(samples["kubernetes"])
    how = (
        f"median of {ROUNDS} interleaved runs each after 2 warm-ups, one process per run; "
        f"`{US_OUTAGE.relative_to(ROOT)}` (drain of us: lists nodes, pods per node and PDBs of "
        'sandbox-us, reads the Traffic Manager profile); baseline `python -c "import kubernetes"`'
        f" {base:.0f} ms in the same run"
    )
    rows = []
    for name, goal in (("attached", 2.0), ("embedded", 3.5)):
        ms = median_ms(samples[name])
        ratio = ms / base
        rows.append(
            Row(
                f"`drillkit plan --inspect` ({name}) vs `import kubernetes`",
                f"{ms:.0f} ms vs {base:.0f} ms: ratio {ratio:.2f}x",
                f"at most {goal}x",
                ratio <= goal,
                how,
            )
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
