"""Which points of a test matrix run: a seeded sample in CI (``nox`` and ``nox -s chaos``), every
point with ``DRILLKIT_CHAOS_FULL=1`` (``nox -s chaos-full``). ``DRILLKIT_CHAOS_SEED`` picks
another sample. Used by the crash and chaos matrices and by the sandbox drills that repeat one
scenario per fault, gate or kill point (markers, step gates, controller pauses, SIGKILL points)."""

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
