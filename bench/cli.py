"""Start-up of the CLI: ``drillkit --help`` vs Chaos Toolkit's ``chaos --help``, and validate."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import Row, median_ms, time_commands

ROOT = Path(__file__).resolve().parents[1]
US_OUTAGE = ROOT / "drills" / "sandbox" / "us-outage.yaml"


def _tool(name: str) -> str:
    """The console script in this interpreter's environment (no shims in between)."""
    candidate = Path(sys.executable).parent / name
    found = candidate if candidate.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed in this environment")
    return str(found)


def help_ratio(rounds: int = 15) -> Row:
    """drillkit --help against chaos --help, interleaved, medians compared."""
    samples = time_commands(
        {"drillkit": [_tool("drillkit"), "--help"], "chaos": [_tool("chaos"), "--help"]},
        rounds=rounds,
    )
    ours, theirs = median_ms(samples["drillkit"]), median_ms(samples["chaos"])
    ratio = ours / theirs
    return Row(
        "`drillkit --help` vs `chaos --help` (Chaos Toolkit)",
        f"{ours:.0f} ms vs {theirs:.0f} ms: ratio {ratio:.2f}x",
        "at most 0.35x",
        ratio <= 0.35,
        f"median of {rounds} interleaved runs each, after 2 warm-up rounds, same venv",
    )


def validate_many(count: int = 200, rounds: int = 5) -> Row:
    """One ``drillkit validate`` process over ``count`` drill files."""
    with tempfile.TemporaryDirectory(prefix="drillkit-bench-") as tmp:
        folder = Path(tmp)
        shutil.copy(US_OUTAGE.parent / "world.yaml", folder / "world.yaml")
        text = US_OUTAGE.read_text(encoding="utf-8").replace(
            "  runbook: ../../runbooks/regional-failover.md\n", ""
        )
        for i in range(count):
            (folder / f"drill-{i:03}.yaml").write_text(
                text.replace("name: us-outage", f"name: us-outage-{i}"), encoding="utf-8"
            )
        samples = time_commands(
            {"validate": [_tool("drillkit"), "validate", "-q", str(folder)]}, rounds=rounds
        )
    ms = median_ms(samples["validate"])
    return Row(
        f"`drillkit validate` of {count} drill files (one process)",
        f"{ms:.0f} ms",
        "under 1 s",
        ms < 1000,
        f"median of {rounds} runs, process start-up included",
    )


def run() -> list[Row]:
    """Every CLI benchmark."""
    return [help_ratio(), validate_many()]


if __name__ == "__main__":
    for row in run():
        print(row)
