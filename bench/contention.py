"""CPU time next to wall time for the start-up bound goals (validate 200 files, ``sandbox up``):
when wall time is several times the CPU time, the process waited for a shared core."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Row
from bench.twinproc import DRILLKIT

ROOT = Path(__file__).resolve().parents[1]
US_OUTAGE = ROOT / "drills" / "sandbox" / "us-outage.yaml"
TICKS = os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def validate_cpu(count: int = 200, rounds: int = 5) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of ``drillkit validate -q`` over ``count`` files."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-") as tmp:
        folder = Path(tmp)
        shutil.copy(US_OUTAGE.parent / "world.yaml", folder / "world.yaml")
        text = "".join(
            line
            for line in US_OUTAGE.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.lstrip().startswith("runbook:")
        )
        for i in range(count):
            (folder / f"drill-{i:03}.yaml").write_text(
                text.replace("name: us-outage", f"name: us-outage-{i}"), encoding="utf-8"
            )
        for _ in range(rounds):
            cpu, wall = _children_cpu(), time.perf_counter()
            subprocess.run(
                [*DRILLKIT, "validate", "-q", str(folder)], check=True, capture_output=True
            )
            walls.append(time.perf_counter() - wall)
            cpus.append(_children_cpu() - cpu)
    return walls, cpus


def sandbox_up_cpu(rounds: int = 3) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``drillkit sandbox up`` from exec to its ready line."""
    walls, cpus = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="drillkit-bench-") as tmp:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [*DRILLKIT, "sandbox", "up", "--state-dir", tmp],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                assert proc.stdout is not None
                line = proc.stdout.readline()
                walls.append(time.perf_counter() - started)
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpus.append((int(fields[11]) + int(fields[12])) / TICKS)  # utime + stime
                assert line.startswith("sandbox ready"), line
            finally:
                proc.terminate()
                proc.wait(20)
                if proc.stdout is not None:
                    proc.stdout.close()
    return walls, cpus


def _row(what: str, walls: list[float], cpus: list[float], goal_s: float) -> Row:
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return Row(
        f"{what}: CPU time next to wall time",
        f"wall {wall * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms (wall / CPU {wall / cpu:.1f}x)",
        f"(the goal, under {goal_s:g} s, is on wall time)",
        None,
        f"medians of {len(walls)} runs; CPU = user + system of the process; a CPU time under "
        "the goal with a wall time over it means the run waited for a core",
    )


def run() -> list[Row]:
    """Two rows: validate of 200 files, and sandbox up."""
    walls, cpus = validate_cpu()
    rows = [_row("`drillkit validate` of 200 drill files", walls, cpus, 1.0)]
    walls, cpus = sandbox_up_cpu()
    rows.append(_row("`drillkit sandbox up` to its ready line", walls, cpus, 1.0))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
