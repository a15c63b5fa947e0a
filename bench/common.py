"""Shared helpers for benchmarks: timing commands side by side, and result rows."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of docs/benchmarks.md."""

    what: str
    result: str
    goal: str
    met: bool | None
    how: str


def time_commands(
    commands: dict[str, Sequence[str]], rounds: int = 15, warmup: int = 2
) -> dict[str, list[float]]:
    """Run each command ``rounds`` times, interleaved so that machine noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + rounds):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, timeout=120)
            if i >= warmup:
                samples[name].append(time.perf_counter() - start)
    return samples


def median_ms(values: list[float]) -> float:
    """Median in milliseconds."""
    return statistics.median(values) * 1000.0
