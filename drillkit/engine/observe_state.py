"""What the observer has seen so far, for the runner's wait conditions and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class VantageState:
    """The latest answer of one vantage point and how many ticks in a row it held."""

    region: str | None = None
    http_ok: bool | None = None
    streak: int = 0
    samples: int = 0


@dataclass
class ObservedState:
    """What the runner's wait conditions read (written by the loop thread only)."""

    vantage: dict[str, VantageState] = field(default_factory=dict)
    survivor_failures: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    dns_ttl: int | None = None
    ticks: int = 0
    missed: int = 0
    errors: int = 0
    lags: list[float] = field(default_factory=list)
    dns_queries: dict[int, int] = field(default_factory=dict)
    """DNS questions sent per second of the loop's monotonic clock."""
    arm_reads: dict[int, int] = field(default_factory=dict)
    """ARM GETs per second of the loop's monotonic clock (one per profile of the tree per
    status read)."""
