"""Which matrix points a chaos session runs: a seeded sample in CI (``nox -s chaos``), every
point with ``DRILLKIT_CHAOS_FULL=1`` (``nox -s chaos-full``). ``DRILLKIT_CHAOS_SEED`` picks
another sample; the seed in use is part of each test id's module docstring output."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
DEFAULT_SEED = 18
FULL = os.environ.get("DRILLKIT_CHAOS_FULL", "") not in ("", "0")
SEED = int(os.environ.get("DRILLKIT_CHAOS_SEED", DEFAULT_SEED))


def sample(points: Sequence[T], k: int, *, salt: str = "") -> list[T]:
    """All of ``points`` in full mode, else ``k`` of them chosen by the seed (order kept)."""
    if FULL or k >= len(points):
        return list(points)
    chosen = set(random.Random(f"{SEED}:{salt}").sample(range(len(points)), k))
    return [p for i, p in enumerate(points) if i in chosen]
