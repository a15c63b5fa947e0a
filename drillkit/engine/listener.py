"""What a run tells whoever watches it (the CLI's live view): one typed Protocol."""

from __future__ import annotations

from typing import Protocol

from drillkit.core.plan import Phase
from drillkit.core.timeline import RestoreCheck
from drillkit.engine.records import Observation


class RunListener(Protocol):
    """Called from the runner's thread (phases, aborts, restore checks) and the observer's
    thread (observations): an implementation must be thread-safe."""

    def phase(self, phase: Phase, at: float) -> None:
        """The run entered ``phase`` at wall time ``at``."""

    def observed(self, observation: Observation) -> None:
        """One poll tick's DNS answers and HTTP checks."""

    def aborted(self, reason: str, interrupted: bool) -> None:
        """The drill stopped early; restore follows."""

    def part(self, vantage: str, part: str, seconds: float, pm: float) -> None:
        """One RTO part of a vantage point completed (provisional; measured seconds ± pm); the
        parts are named in :data:`drillkit.core.rto_parts.PARTS`."""

    def restored(self, check: RestoreCheck) -> None:
        """One item's restore check."""


class Silent:
    """A listener that ignores everything."""

    def phase(self, phase: Phase, at: float) -> None:
        return None

    def observed(self, observation: Observation) -> None:
        return None

    def aborted(self, reason: str, interrupted: bool) -> None:
        return None

    def part(self, vantage: str, part: str, seconds: float, pm: float) -> None:
        return None

    def restored(self, check: RestoreCheck) -> None:
        return None
