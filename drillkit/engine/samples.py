"""What one observation tick journals, inside its records (``obs``, ``obs.status``, ``canary``):
HTTP checks, DNS answers per vantage point and name server, endpoint statuses, and canary writes
and reads. Plain frozen values; the records that carry them are in ``records.py``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionCheck:
    """One HTTP check through a region's ingress."""

    at: float
    ok: bool
    status: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerAnswer:
    """One name server's answer to a vantage point's question (issue #17: per-server flips)."""

    server: str
    at: float
    region: str | None = None
    rcode: str = ""
    sent: float | None = None
    """When the question was first sent (the answer was produced between ``sent`` and ``at``;
    absent in journals before issue #17's precision work, and for TCP-only resolvers)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VantageSample:
    """One DNS answer for a vantage point (the first server's to arrive)."""

    name: str
    at: float
    region: str | None = None
    rcode: str = ""
    answer: str = ""
    ttl: int | None = None
    http: RegionCheck | None = None
    """Only in early round 1 journals: the HTTP check of this vantage point."""
    servers: tuple[ServerAnswer, ...] = ()
    """Every name server's answer to the same question, when each was asked separately."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointObservation:
    """One endpoint's statuses as one ARM read saw them."""

    endpoint: str
    region: str | None
    status: str
    endpoint_status: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CanaryWrite:
    """One canary write attempt: through the target, or (during the outage) the survivor."""

    id: str
    role: str
    """``target`` or ``survivor``: where the write went."""
    sent_at: float
    answered_at: float
    acked: bool
    status: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CanaryRead:
    """How one acknowledged canary write was read on the other side (found, or never)."""

    id: str
    role: str
    """Where it was read: ``survivor`` (target writes) or ``target`` (write-back)."""
    readable: bool
    last_miss_at: float | None = None
    found_at: float | None = None
    polls: int = 0
