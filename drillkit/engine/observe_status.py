"""Which profiles a monitor-status read asks, and what its ARM GETs cost (issue #17).

A read of the whole tree is one GET per profile. Inside the detection window (and while
detection is pending) a read asks only the profiles that hold the target region's endpoints,
whose statuses decide detection (:func:`drillkit.core.sampling.detection_profiles`), so it
costs fewer GETs and can come more often for the same budget. Those profiles are learned from a
read of the whole tree; every read outside the window is one, so they stay current.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import structlog

from drillkit.adapters.ports import TmEndpoint, region_of
from drillkit.core.sampling import detection_profiles, status_cadence
from drillkit.spec.model import Drill

log = structlog.get_logger()


class StatusPlan:
    """The profiles of the tree, the ones that decide detection, and the status cadence that
    pays each read's GETs (a slow read: the tree; a fast one: the watched profiles)."""

    def __init__(
        self,
        drill: Drill,
        windows: Sequence[tuple[float, float]],
        profiles: int,
        ingresses: Mapping[str, str | Sequence[str]],
    ) -> None:
        self.drill = drill
        self.windows = windows
        self.ingresses = ingresses
        self.profiles = max(profiles, 1)
        """ARM GETs per read of the whole tree: its profiles."""
        self.watched: tuple[str, ...] = ()
        """The profiles holding the target's endpoints (a fast read asks only these)."""
        self.cadence = status_cadence(drill.observe, windows, self.profiles)
        self.fast_next = False
        """The next read was paid as a fast one (its GETs: the watched profiles)."""

    def planned(self, interval: float) -> tuple[str, ...]:
        """The profiles the read being taken asks (empty: the whole tree), given the interval
        its cadence just planned to the next read."""
        only = self.watched if self.fast_next else ()
        self.fast_next = interval < self.cadence.poll_s
        return only

    def gets(self, only: Sequence[str]) -> int:
        """The ARM GETs of a read of ``only`` (empty: the whole tree)."""
        return len(only) or self.profiles

    def learn(self, endpoints: Sequence[TmEndpoint]) -> int:
        """A read of the whole tree re-plans :attr:`cadence` when it walked more profiles than
        known (so that the GETs stay within budget) or other profiles hold the target's
        endpoints. Returns the GETs it sent beyond those paid for (charged to the bucket)."""
        names = {e.profile.lower() for e in endpoints}
        names |= {e.child_profile.lower() for e in endpoints if e.child_profile}
        regions = ((e.profile, region_of([e.target], self.ingresses)) for e in endpoints)
        watched = detection_profiles(regions, self.drill.target) or self.watched
        extra = max(0, len(names) - self.profiles)
        if not extra and watched == self.watched:
            return 0
        old = self.cadence.bucket
        self.profiles, self.watched = self.profiles + extra, watched
        observe = self.drill.observe
        self.cadence = status_cadence(observe, self.windows, self.profiles, len(watched) or None)
        # The GETs already spent stay spent (the bucket counts GETs), the unplanned ones too.
        self.cadence.bucket.tokens, self.cadence.bucket.last = old.tokens, old.last
        if extra and old.last is not None:
            self.cadence.bucket.charge(old.last, extra)
        log.info("drill.observe.profiles", profiles=self.profiles, watched=list(watched))
        return extra
