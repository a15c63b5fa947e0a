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
    "bench.region_drain",
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


def row_line(row: Row) -> str:
    met = {True: "yes", False: "**no**", None: "n/a"}[row.met]
    return f"| {row.what} | {row.result} | {row.goal} | {met} | {row.how} |"


def render(rows: list[Row], lines: list[str] | None = None, note: str = "", date: str = "") -> str:
    """docs/benchmarks.md from the rows (or from table ``lines`` already rendered)."""
    lines = [row_line(row) for row in rows] if lines is None else lines
    date = date or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        "# Benchmarks",
        "",
        "Written by `nox -s bench` (`python -m bench.run`); every figure below comes from one",
        "run on one machine, peers measured side by side in the same run. Shared machines are",
        "noisy: compare the ratios, not the absolute times.",
        "",
        f"- Machine: {machine()}",
        f"- Date: {date}",
        *([note] if note else []),
        "",
        "| what | result | goal | met | how it was measured |",
        "|------|--------|------|-----|---------------------|",
    ]
    missed = [line.strip("|").split(" | ") for line in lines if " | **no** | " in line]
    tail = ["", "## Goals not met", ""] if missed else []
    tail += [f"- {c[0].strip()}: {c[1]} (goal {c[2]})." for c in missed]
    return "\n".join(head + lines + tail) + "\n"


def merged(old: str, rows: list[Row], modules: list[str]) -> str:
    """``--only``: the rows of ``old``'s table, each replaced by the new row of the same name;
    new rows without one go before the closing machine-load row. The header says which modules
    were measured again, and when; the other rows keep the figures of their own run."""
    body = old.split(KEPT, maxsplit=1)[0].split("\n## Goals not met", maxsplit=1)[0]
    table = [line for line in body.splitlines() if line.startswith("| ") and line[2:6] != "what"]
    dated = next((ln[8:] for ln in body.splitlines() if ln.startswith("- Date: ")), "")
    new = {row.what: row_line(row) for row in rows}
    lines = [new.pop(line[2:].split(" | ")[0], line) for line in table]
    last = next((i for i, line in enumerate(lines) if line.startswith("| machine load after")),
                len(lines))  # fmt: skip
    lines[last:last] = list(new.values())
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = (
        f"- Rows of {', '.join(f'`{m}`' for m in modules)} measured again on {when} "
        "(`python -m bench.run --only ...`); the other rows are from the run of the date above"
    )
    return render([], lines, note, dated or when)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="a module of MODULES; its rows replace theirs in --output, the others stay",
    )
    parser.add_argument("--replace", action="store_true", help="with --only: drop the other rows")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.only or MODULES:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(name).run())
    kept, old = "", ""
    if args.output.is_file():  # sections measured elsewhere (the chaos matrix) stay
        old = args.output.read_text(encoding="utf-8")
        kept = old[old.index(KEPT) :] if KEPT in old else ""
    text = merged(old, rows, args.only) if args.only and old and not args.replace else render(rows)
    args.output.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")
    print(args.output.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
