"""The canary port: send one request, get its status and when it was sent and answered.

Those two wall-clock instants bracket when the server handled the request: every canary figure
is measured from such brackets (``drillkit.core.data``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CanaryAnswer:
    """What one canary request got back; ``status`` is None when no response arrived."""

    status: int | None
    sent_at: float
    answered_at: float
    error: str | None = None


class CanaryHttp(Protocol):
    """Send one canary request."""

    async def send(self, method: str, url: str, body: str | None = None) -> CanaryAnswer: ...
