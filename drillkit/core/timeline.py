"""What a drill observed, as frozen values: the input of metrics, verdict and evidence.

All instants are Unix epoch seconds (floats) as recorded by the engine; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from drillkit.core.data import CanaryReadSample, CanaryWriteSample

DEGRADED = "Degraded"
"""The Traffic Manager endpointMonitorStatus that counts as detection."""


@dataclass(frozen=True, slots=True)
class DnsSample:
    """One DNS answer for a vantage point, as Traffic Manager's name servers gave it."""

    at: float
    """When the answer arrived (epoch seconds)."""
    region: str | None
    """The region whose ingress was answered; None for no answer, an error or an unknown target."""
    answer: str = ""
    """The raw answer (e.g. ``myapp.trafficmanager.net CNAME eu.ingress...``) or the error text."""
    sent: float | None = None
    """When its question was sent, when known: the server produced the answer between ``sent``
    and ``at`` (they differ by the round trip, or by a stalled loop on a loaded machine)."""


@dataclass(frozen=True, slots=True)
class HttpSample:
    """One HTTP check through the region that DNS answered for a vantage point."""

    at: float
    """When the response (or the failure) arrived (epoch seconds)."""
    ok: bool
    """The status was one of the drill's expected codes."""
    status: int | None = None
    """The HTTP status, None when no response arrived."""
    region: str | None = None
    """The region the request went through, None when unknown."""


@dataclass(frozen=True, slots=True)
class ServerTimeline:
    """The answers one authoritative name server gave one vantage point, in time order."""

    server: str
    dns: tuple[DnsSample, ...] = ()


@dataclass(frozen=True, slots=True)
class VantageTimeline:
    """Everything observed for one vantage point (a client subnet sent as ECS)."""

    name: str
    client_subnet: str
    normal_region: str | None
    """The region that answered in the baseline, before the fault; None if the baseline failed."""
    expected_region: str
    """The survivor that must answer during the outage (``expectDuringOutage``)."""
    dns: tuple[DnsSample, ...] = ()
    """DNS samples in time order, over the whole drill (baseline to the end of failback)."""
    http: tuple[HttpSample, ...] = ()
    """HTTP samples in time order, over the whole drill."""
    servers: tuple[ServerTimeline, ...] = ()
    """The same questions, per name server of the zone (empty when not sampled separately)."""


@dataclass(frozen=True, slots=True)
class EndpointStatusSample:
    """One ARM read of a Traffic Manager endpoint's endpointMonitorStatus."""

    at: float
    endpoint: str
    """The endpoint path or name, e.g. ``myapp/ExternalEndpoints/us`` or ``myapp-na/us``."""
    region: str | None
    """The region whose ingress the endpoint targets (None for one that maps to no region)."""
    status: str
    """endpointMonitorStatus as ARM reports it: Online, Degraded, CheckingEndpoint, Stopped..."""
    endpoint_status: str = ""
    """endpointStatus as ARM reports it (Enabled, Disabled); empty when not recorded."""
    sent: float | None = None
    """When the read was sent, when known (``at`` is the middle of the request)."""
    received: float | None = None
    """When its response was read, when known: ARM read the status between the two."""


class RestoreOutcome(StrEnum):
    """What restore found for one snapshot item."""

    RESTORED = "restored"
    """Put back to the snapshot value (or already equal to it)."""
    DRIFTED = "drifted"
    """Someone else changed it during the drill; left alone for a human to decide."""
    FAILED = "failed"
    """Could not be put back."""


@dataclass(frozen=True, slots=True)
class Change:
    """One mutation of the world, as journalled: what was done to what, when, and how it went."""

    at: float
    """When it was about to be done (epoch seconds of its intent)."""
    action: str
    """``cordon``, ``evict``, ``delete-pod``, ``scale``, ``endpoint-status``, ..."""
    target: str
    """The snapshot item it changed, or the pod it evicted or deleted."""
    region: str | None = None
    value: str | None = None
    """The value written, when the change writes one."""
    node: str | None = None
    reason: str | None = None
    """Why it was done, when it is not the fault itself (e.g. a blocked eviction)."""
    ok: bool | None = None
    """None when the run ended before its result was journalled."""
    detail: str = ""
    """The result's detail: ``evicted``, ``blocked``, ``gone`` or the error."""
    item: str | None = None
    """The snapshot item (restore puts it back); None for pods, which come back by themselves."""


@dataclass(frozen=True, slots=True)
class RestoreCheck:
    """One snapshot item and what restore made of it."""

    what: str
    """The thing, e.g. ``us/node/node-1 spec.unschedulable`` or ``us/deploy/web replicas``."""
    expected: str
    """The value recorded in the snapshot, before the first mutation."""
    actual: str
    """The value read after restore."""
    outcome: RestoreOutcome
    detail: str = ""
    """Why it drifted or failed, in one sentence (empty when restored)."""


@dataclass(frozen=True, slots=True)
class LaterRestore:
    """A `drillkit restore` run on this run's journal after the run itself ended (or died).

    It is shown as its own section; it never changes the run's own timeline."""

    started_at: float
    finished_at: float | None
    """None when it never finished (it was killed too)."""
    complete: bool
    """It finished with every item restored."""
    checks: tuple[RestoreCheck, ...] = ()

    @property
    def exit_code(self) -> int | None:
        """What `drillkit restore` exited with (0 or 5); None when it never finished."""
        if self.finished_at is None:
            return None
        return 0 if self.complete else 5


@dataclass(frozen=True, slots=True)
class Disruption:
    """One pod the drain evicted or deleted: when, where, and what happened."""

    at: float
    action: str
    """``evict`` or ``delete-pod``."""
    pod: str
    node: str
    outcome: str
    """What the API answered, e.g. ``evicted``, ``blocked by PodDisruptionBudget shop/web``."""
    reason: str | None = None
    """Why (a delete after a blocked eviction; ``lost: no controller``)."""
    pdb: str = ""
    """The PodDisruptionBudget that blocked it last (``shop/web``), also when it was evicted
    in the end."""
    blocked_s: float | None = None
    """How long it was blocked before its final answer (measured seconds); None if never."""


@dataclass(frozen=True, slots=True)
class HoldEvent:
    """Keeping the fault in force: a node that joined, or an item someone changed back."""

    at: float
    event: str
    """``joined``, ``reverted`` (the drill stopped) or ``reasserted`` (drillkit wrote it again)."""
    what: str
    value: str | None = None
    by: str | None = None
    """The writer managedFields names."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """A whole run as observed: phase instants, samples per vantage point, statuses, restore.

    The outage window is ``[fault_injected_at, restore_started_at)`` (to ``ended_at`` when restore
    never started); the failback window is ``[restored_at, ended_at]``.
    """

    time_scale: float
    """The twin's time scale (1.0 for real Azure): real-world seconds = measured / time_scale."""
    started_at: float
    """When the run started (lock taken)."""
    ended_at: float
    """When observation of failback ended (the drill's end)."""
    target_region: str
    survivor_regions: tuple[str, ...]
    fault_injected_at: float | None
    """When the first fault mutation succeeded; None if the run stopped before injecting."""
    restore_started_at: float | None = None
    """When restore began; None if it never began."""
    restored_at: float | None = None
    """When restore finished with every snapshot item checked; None if it never finished."""
    vantage_points: tuple[VantageTimeline, ...] = ()
    endpoint_statuses: tuple[EndpointStatusSample, ...] = ()
    """Endpoint monitor-status reads in time order."""
    dns_ttl: float | None = None
    """The TTL of Traffic Manager's answers, in measured seconds (as served), if known."""
    http_checked: bool = True
    """The drill has an HTTP check; when False, RTO rests on DNS alone."""
    abort_reason: str | None = None
    """Why the run was aborted (survivor unhealthy, maxDuration, SIGINT...), None if it was not."""
    interrupted: bool = False
    """The abort came from SIGINT or SIGTERM."""
    restore_checks: tuple[RestoreCheck, ...] = field(default=())
    """The run's own restore checks (a later `drillkit restore` is in ``later_restores``)."""
    refused_reason: str | None = None
    """Why preflight refused the run (nothing was changed), None when it was not refused."""
    abort_phase: str | None = None
    """The phase the run was in when it aborted or was interrupted."""
    signal: str | None = None
    """The signal that interrupted the run (SIGINT, SIGTERM), None when none did."""
    failback_observed: bool = False
    """The run watched failback (it is skipped after an abort or an incomplete restore)."""
    died_during: str | None = None
    """The phase the runner was in when it died (no verdict in its journal), None if it ended."""
    later_restores: tuple[LaterRestore, ...] = ()
    canary_writes: tuple[CanaryWriteSample, ...] = ()
    """Every write attempt of the replication canaries (``observe.data``)."""
    canary_reads: tuple[CanaryReadSample, ...] = ()
    """How each acknowledged canary write was (or was never) read on the other side."""
    disruptions: tuple[Disruption, ...] = ()
    """Every eviction and deletion, in time order."""
    holds: tuple[HoldEvent, ...] = ()
    """Nodes that joined and reverts, in time order."""

    @property
    def reverts(self) -> int:
        """How often drillkit wrote the fault again after someone reverted it."""
        return sum(1 for h in self.holds if h.event == "reasserted")

    @property
    def contested(self) -> bool:
        """The fault was reverted and reasserted: the RTO was measured against a fight."""
        return self.reverts > 0

    target_down_at: float | None = None
    """The first of the target's failing HTTP checks after the fault that stayed failing: when
    Traffic Manager's probes start failing too (predictions count from there)."""
    changes: tuple[Change, ...] = field(default=())
    """Every mutation the drill made, in order (cordons, evictions, deletions, scales, ...)."""
    paged_at: float | None = None
    """A manual drill's simulated page (``fault.page``), when it was shown."""

    def __post_init__(self) -> None:
        if not self.time_scale > 0:
            raise ValueError(f"time_scale must be positive, got {self.time_scale}")

    @property
    def outage_end(self) -> float:
        """The end of the outage window: restore's start, else the drill's end."""
        return self.restore_started_at if self.restore_started_at is not None else self.ended_at
