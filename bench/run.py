"""Run every benchmark and write docs/benchmarks.md: ``python -m bench.run [--output PATH]``."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

from bench.common import Row

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    "bench.load",
    "bench.cli",
    "bench.inspect",
    "bench.kube",
    "bench.contention",
    "bench.drain",
    "bench.drill",
    "bench.observe",
    "bench.precision",
    "bench.scale_observe",
    "bench.tm_twin",
    "bench.data",
    "bench.load",
]


def machine() -> str:
    """One line about the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text(encoding="utf-8").split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


KEPT = "<!-- kept by bench.run: measured by the chaos matrix, not by nox -s bench -->"


def render(rows: list[Row]) -> str:
    """docs/benchmarks.md from the rows."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `nox -s bench` (`python -m bench.run`); every figure below comes from one",
        "run on one machine, peers measured side by side in the same run. Shared machines are",
        "noisy: compare the ratios, not the absolute times.",
        "",
        f"- Machine: {machine()}",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        "| what | result | goal | met | how it was measured |",
        "|------|--------|------|-----|---------------------|",
    ]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "n/a"}[row.met]
        lines.append(f"| {row.what} | {row.result} | {row.goal} | {met} | {row.how} |")
    missed = [row for row in rows if row.met is False]
    if missed:
        lines += ["", "## Goals not met", ""]
        lines += [f"- {row.what}: {row.result} (goal {row.goal})." for row in missed]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--only", action="append", default=[], help="a module of MODULES")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.only or MODULES:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(name).run())
    kept = ""
    if args.output.is_file():  # sections measured elsewhere (the chaos matrix) stay
        old = args.output.read_text(encoding="utf-8")
        kept = old[old.index(KEPT) :] if KEPT in old else ""
    args.output.write_text(render(rows) + ("\n" + kept if kept else ""), encoding="utf-8")
    print(args.output.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
