"""Ports of the unattended-run adapters: Alertmanager, notices and metrics export.

(They join ``ports.py`` once the engine restructuring settles; small Protocols, real fakes.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a read-only command imports these ports, not the exports
    from drillkit.core.export import Sample
    from drillkit.core.guards import FiringAlert
    from drillkit.core.notices import Notice
    from drillkit.spec.matchers import Matcher


@dataclass(frozen=True, slots=True)
class SilenceRef:
    """A silence drillkit created; ``id`` is Alertmanager's ``silenceID``."""

    id: str
    matchers: tuple[str, ...]
    ends_at: str
    comment: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class Alerts(Protocol):
    """Alertmanager's alerts and silences (its v2 API)."""

    def firing(self, matchers: Sequence[Matcher], *, include_silenced: bool) -> list[FiringAlert]:
        """Alerts firing now that match every matcher."""
        ...

    def silence(
        self, matchers: Sequence[Matcher], *, comment: str, created_by: str, ends_at: datetime
    ) -> SilenceRef:
        """Create a silence from now until ``ends_at``."""
        ...

    def silences_by(self, created_by: str) -> list[str]:
        """Ids of the active or pending silences created by ``created_by``."""
        ...

    def expire(self, silence_id: str) -> bool:
        """Expire a silence; False when it was already expired or gone."""
        ...


class Notifier(Protocol):
    """Sends a notice everywhere it should go; never raises, returns what failed."""

    def send(self, notice: Notice) -> list[str]: ...


class MetricsSink(Protocol):
    """Pushes a run's gauges under a grouping key."""

    def push(self, samples: Sequence[Sample], grouping: dict[str, str]) -> None: ...
