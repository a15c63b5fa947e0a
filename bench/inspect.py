"""Read-only commands are quick: ``drillkit plan --inspect`` (attached to a running sandbox, and
with the embedded twin) against ``python -c "import kubernetes"``, and ``drillkit --help``
against ``chaos --help``, all interleaved in one run, wall and CPU time (user + system of the
child, from ``wait4``): ``python -m bench.inspect`` or ``python -m bench.run --only
bench.inspect``. The machine is shared: the CPU ratio is the steadier of the two."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cli import _tool
from bench.common import Row

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


def time_commands(
    commands: dict[str, list[str]], rounds: int, warmup: int = 2
) -> dict[str, list[tuple[float, float]]]:
    """Each command ``rounds`` times, interleaved: (wall, CPU) seconds of each run."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for i in range(warmup + rounds):
        for name, argv in commands.items():
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{argv} failed")
            if i >= warmup:
                samples[name].append((wall, usage.ru_utime + usage.ru_stime))
    return samples


def _median_ms(samples: list[tuple[float, float]], which: int) -> float:
    return statistics.median(s[which] for s in samples) * 1000.0


def run() -> list[Row]:
    """Attached and embedded ``plan --inspect`` vs the kubernetes import, ``--help`` vs
    ``chaos --help``: medians of wall and CPU time."""
    load = os.getloadavg()
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
                    "help": [_tool("drillkit"), "--help"],
                    "chaos": [_tool("chaos"), "--help"],
                },
                rounds=ROUNDS,
            )
        finally:
            box.send_signal(signal.SIGTERM)
            box.wait(timeout=30)
    load = (*load, *os.getloadavg())
    base_wall, base_cpu = (_median_ms(samples["kubernetes"], i) for i in (0, 1))
    how = (
        f"`python -m bench.inspect`: median of {ROUNDS} interleaved runs each after 2 warm-ups, "
        f"one process per run; `{US_OUTAGE.relative_to(ROOT)}` (drain of us: lists nodes, pods "
        "per node and PDBs of sandbox-us, reads the Traffic Manager profile); baseline "
        f'`python -c "import kubernetes"` {base_wall:.0f} ms wall, {base_cpu:.0f} ms CPU in the '
        f"same run; load average {load[0]:.1f} before, {load[3]:.1f} after (2 shared cores)"
    )
    rows = []
    for name, goal in (("attached", 2.0), ("embedded", 3.5)):
        wall, cpu = (_median_ms(samples[name], i) for i in (0, 1))
        ratio, wall_ratio = cpu / base_cpu, wall / base_wall
        rows.append(
            Row(
                f"`drillkit plan --inspect` ({name}) vs `import kubernetes`",
                f"CPU {cpu:.0f} ms vs {base_cpu:.0f} ms: ratio {ratio:.2f}x; wall {wall:.0f} ms "
                f"vs {base_wall:.0f} ms: {wall_ratio:.2f}x",
                f"at most {goal}x",
                ratio <= goal,
                how,
            )
        )
    ours, theirs = (_median_ms(samples[name], 0) for name in ("help", "chaos"))
    rows.append(
        Row(
            "`drillkit --help` vs `chaos --help` (same run)",
            f"wall {ours:.0f} ms vs {theirs:.0f} ms: ratio {ours / theirs:.2f}x; CPU "
            f"{_median_ms(samples['help'], 1):.0f} ms vs {_median_ms(samples['chaos'], 1):.0f} ms",
            "at most 0.35x",
            ours / theirs <= 0.35,
            how,
        )
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
