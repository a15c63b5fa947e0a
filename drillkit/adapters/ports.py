"""The small Protocols the engine talks through, and the plain values that cross them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from drillkit.core.design import DesignProfile, region_of_answer

# ---------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class NodeState:
    """A node's name, whether it is cordoned, and whether its kubelet reports Ready."""

    name: str
    unschedulable: bool
    ready: bool = True


@dataclass(frozen=True, slots=True)
class PodRef:
    """A pod as the drain sees it."""

    namespace: str
    name: str
    node: str = ""
    owner_kind: str = ""
    mirror: bool = False
    finished: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    empty_dir: bool = False
    """It mounts an emptyDir volume (its data is lost when it is evicted)."""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class Eviction(Enum):
    """What one eviction attempt did."""

    EVICTED = "evicted"
    GONE = "gone"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class EvictionResult:
    """The outcome of one eviction attempt; ``retry_after`` when the server asked for a pause."""

    outcome: Eviction
    retry_after: float | None = None
    message: str = ""
    pdb: str = ""
    """The PodDisruptionBudget that blocked it, when the server named one (on the final answer
    of a pod that was blocked and then evicted: the last budget that blocked it)."""
    blocked_s: float | None = None
    """How long the pod's eviction had been blocked when this answer came; None if never."""


@dataclass(frozen=True, slots=True)
class WorkloadState:
    """A scalable workload: kind (Deployment or StatefulSet), replicas wanted and ready."""

    kind: str
    namespace: str
    name: str
    replicas: int
    ready: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class HpaState:
    """A HorizontalPodAutoscaler's bounds and the workload it scales."""

    namespace: str
    name: str
    target_kind: str
    target_name: str
    min_replicas: int
    max_replicas: int


@dataclass(frozen=True, slots=True)
class PdbState:
    """A PodDisruptionBudget: which pods it covers and how many may go right now."""

    namespace: str
    name: str
    match_labels: tuple[tuple[str, str], ...]
    disruptions_allowed: int

    def covers(self, pod: PodRef) -> bool:
        return pod.namespace == self.namespace and set(self.match_labels) <= set(pod.labels)


@dataclass(frozen=True, slots=True)
class LeaseState:
    """A coordination.k8s.io Lease: who holds it, since when, for how long (epoch seconds)."""

    name: str
    namespace: str
    holder: str | None
    renew_time: float | None
    duration_s: int
    resource_version: str = ""


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """One SelfSubjectAccessReview question: may I <verb> <group>/<resource>[/<sub>]?"""

    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    namespace: str = ""

    def __str__(self) -> str:
        what = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        group = f"{self.group}/" if self.group else ""
        where = f" in namespace {self.namespace}" if self.namespace else ""
        return f"{self.verb} {group}{what}{where}"


@dataclass(frozen=True, slots=True)
class TmEndpoint:
    """A Traffic Manager endpoint anywhere in the profile tree."""

    profile: str
    type: str  # ExternalEndpoints | AzureEndpoints | NestedEndpoints
    name: str
    target: str
    endpoint_status: str  # Enabled | Disabled
    monitor_status: str  # Online | Degraded | CheckingEndpoint | Disabled | ...
    child_profile: str | None = None

    @property
    def key(self) -> str:
        return f"{self.profile}/{self.type}/{self.name}"


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """One DNS answer: rcode, the chain of CNAME targets and addresses, the TTL, the latency."""

    rcode: str
    targets: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    ttl: int | None = None
    latency_s: float = 0.0
    error: str | None = None
    received_at: float | None = None
    """Epoch seconds when the answer's datagram arrived (before parsing), when known."""
    sent_at: float | None = None
    """Epoch seconds when its question was first sent, when known: the server answered in
    between, so a change it shows happened after ``sent_at`` of the previous answer."""


@dataclass(frozen=True, slots=True)
class HttpResult:
    """One HTTP check: the status (None when no response) and how long it took."""

    status: int | None
    latency_s: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class IngressAddress:
    """Where to connect for an ingress host (a sandbox override of DNS, like curl --resolve)."""

    address: str
    port: int
    scheme: str = "http"


@dataclass(frozen=True, slots=True)
class Target:
    """Where the HTTP check connects: an answered target, plus the Host header to send."""

    target: str
    host_header: str | None = None
    path: str = "/"
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- ports


class Clock(Protocol):
    """Monotonic time, wall time (epoch seconds) and sleeping."""

    def monotonic(self) -> float: ...
    def wall(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class Access(Protocol):
    """RBAC questions, asked with SelfSubjectAccessReview."""

    def server(self) -> str: ...
    def can_i(self, check: AccessCheck) -> bool: ...


class Nodes(Protocol):
    """Nodes: list them and (un)cordon them."""

    def list_nodes(self, selector: dict[str, str]) -> list[NodeState]: ...
    def get_node(self, name: str) -> NodeState | None: ...
    def set_unschedulable(self, name: str, value: bool) -> None: ...


class Pods(Protocol):
    """Pods on a node, evicted through the Eviction subresource, or deleted."""

    def pods_on_node(self, node: str) -> list[PodRef]: ...
    def evict(self, pod: PodRef, grace_period_s: int | None = None) -> EvictionResult: ...
    def delete_pod(self, pod: PodRef, grace_period_s: int | None = None) -> bool: ...


class Workloads(Protocol):
    """Deployments and StatefulSets through /scale, and the HPAs that bound them."""

    def list_workloads(self, namespace: str, selector: str) -> list[WorkloadState]: ...
    def get_workload(self, kind: str, namespace: str, name: str) -> WorkloadState | None: ...
    def set_replicas(self, kind: str, namespace: str, name: str, replicas: int) -> None: ...
    def list_hpas(self, namespace: str) -> list[HpaState]: ...


class Budgets(Protocol):
    """PodDisruptionBudgets, read to predict which evictions a drain will see blocked."""

    def list_pdbs(self) -> list[PdbState]: ...


class Leases(Protocol):
    """coordination.k8s.io/v1 Leases, with optimistic concurrency on resourceVersion."""

    def get_lease(self, namespace: str, name: str) -> LeaseState | None: ...
    def put_lease(self, lease: LeaseState, holder: str, now: float) -> LeaseState: ...
    def delete_lease(self, namespace: str, name: str, holder: str) -> None: ...


class Objects(Protocol):
    """Any object by its API path, as served (managedFields, custom resources)."""

    def get(self, path: str) -> dict[str, Any] | None: ...
    def patch(self, path: str, patch: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class MarkedObject:
    """A Node, Deployment or StatefulSet that carries drillkit's run annotations."""

    kind: str
    namespace: str
    name: str
    annotations: Mapping[str, str]


class Markers(Protocol):
    """The annotations drillkit leaves on what it changed (``core/markers.py``)."""

    def annotate(
        self, kind: str, namespace: str, name: str, values: Mapping[str, str | None]
    ) -> None: ...
    def marked(self) -> list[MarkedObject]: ...


class Cluster(Access, Nodes, Pods, Workloads, Budgets, Leases, Markers, Objects, Protocol):
    """Everything the engine does to one region's Kubernetes cluster."""

    def close(self) -> None: ...


class TrafficManager(Protocol):
    """A Traffic Manager profile tree: read endpoints and statuses, enable/disable endpoints."""

    def fqdn(self) -> str: ...
    def endpoints(self) -> list[TmEndpoint]: ...
    def profile_endpoints(self, profile: str) -> list[TmEndpoint]:
        """The endpoints of one profile of the tree (one ARM GET), its nested ones included
        but not their children's."""
        ...

    def design(self) -> DesignProfile: ...
    def set_endpoint_status(
        self, profile: str, type_: str, name: str, status: str, *, restore: bool = False
    ) -> None: ...
    def tag_profile(self, profile: str, tags: Mapping[str, str | None]) -> None: ...
    def set_profile_status(self, profile: str, status: str) -> None: ...
    def profile_tags(self) -> dict[str, dict[str, str]]: ...


class Resolver(Protocol):
    """One DNS question for the profile's name, as asked from a client subnet (ECS)."""

    async def resolve(self, qname: str, client_subnet: str) -> DnsAnswer: ...


class HttpProbe(Protocol):
    """One HTTP check of a target."""

    async def check(self, target: Target) -> HttpResult: ...


def region_of(targets: Sequence[str], ingresses: Mapping[str, str | Sequence[str]]) -> str | None:
    """The region whose ingress (a host name or an IP, or several) appears among a DNS
    answer's CNAME targets or A/AAAA addresses (case-insensitive, no dot, canonical IPs)."""
    return region_of_answer(targets, ingresses)
