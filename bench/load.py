"""How busy the machine was: its load average, listed first and last in bench/run.py's MODULES so
that the table says how much other work shared the cores with the figures between them."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from bench.common import Row

_calls = itertools.count(1)


def _busy_processes() -> int:
    """Processes other than this benchmark's own that are using a CPU now (state R)."""
    mine = os.getpid()
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if fields[0] == "R" and mine not in (pid, parent):
            count += 1
    return count


def run() -> list[Row]:
    """One row: the 1, 5 and 15 minute load averages against the core count."""
    when = "before the first benchmark" if next(_calls) == 1 else "after the last benchmark"
    one, five, fifteen = os.getloadavg()
    return [
        Row(
            f"machine load {when}",
            f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on "
            f"{os.cpu_count()} cores; other processes running now: {_busy_processes()}",
            "n/a",
            None,
            "`os.getloadavg()` and /proc/*/stat; the cores are shared with other engineers' test "
            "runs, so a load above the core count means every figure here waited for CPU",
        )
    ]
