"""The ``data:`` section of a world file: replication lag and what an outage does in flight.

Durations here are real-world-equivalent, like Traffic Manager's timings: the twin multiplies
them by the world's ``timeScale``, so a drill's measured lag divided by the time scale reads
as the lag written here.
"""

from __future__ import annotations

import math
import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drillkit.spec.durations import Duration

_Z95 = 1.6448536269514722  # the standard normal's 95th percentile


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LagDistribution(_Model):
    """How long one write takes to reach another region.

    ``fixed`` uses ``median``; ``uniform`` draws between ``min`` and ``max``; ``lognormal`` has
    the given ``median`` and ``p95`` and is cut at ``max``.
    """

    distribution: Literal["fixed", "uniform", "lognormal"] = "lognormal"
    median: Duration = Duration.parse("1s")
    p95: Duration = Duration.parse("2s")
    min: Duration = Duration.parse("0s")
    max: Duration = Duration.parse("5s")

    @model_validator(mode="after")
    def _ordered(self) -> LagDistribution:
        if self.min > self.max:
            raise ValueError(f"lag min {self.min} is above max {self.max}")
        if self.distribution == "lognormal" and not 0 < self.median <= self.p95:
            raise ValueError("a lognormal lag needs 0 < median <= p95")
        return self

    def draw(self, rng: random.Random) -> float:
        """One lag in real-world-equivalent seconds."""
        if self.distribution == "fixed":
            return float(self.median)
        if self.distribution == "uniform":
            return rng.uniform(self.min, self.max)
        sigma = math.log(self.p95 / self.median) / _Z95
        value = rng.lognormvariate(math.log(self.median), sigma)
        return min(max(value, float(self.min)), float(self.max))


class DataWorld(_Model):
    """The replicated store behind every region's ``/canary/{id}``."""

    lag: LagDistribution = Field(default_factory=LagDistribution)
    on_source_down: Literal["late", "lost"] = Field("late", alias="onSourceDown")
    """Writes still in flight when their source region goes down: delivered once it is back
    (``late``), or never (``lost``). Replication from a down region is paused either way."""
    seed: int | None = None
    """Seed of the lag draws, for repeatable runs (random when unset)."""
