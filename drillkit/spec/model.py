"""The drill file, as typed and documented models. ``drillkit schema`` publishes their schema."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from drillkit.spec.data import Canary
from drillkit.spec.durations import Duration
from drillkit.spec.unattended import Export, Guards, Notify

API_VERSION = "drillkit.dev/v1"
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9])?$")
_LABEL_SELECTOR = re.compile(
    r"^\s*!?[A-Za-z0-9./_-]+(\s*(=|==|!=)\s*[A-Za-z0-9._-]*|\s+(in|notin)\s+\([^)]*\))?"
    r"(\s*,\s*!?[A-Za-z0-9./_-]+(\s*(=|==|!=)\s*[A-Za-z0-9._-]*|\s+(in|notin)\s+\([^)]*\))?)*\s*$"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _dns_label(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid name: use lowercase letters, digits and '-', "
            "start and end with a letter or digit, at most 63 characters"
        )
    return value


_INGRESS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
    ]
}


def _is_host_or_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    labels = value.rstrip(".").split(".")
    return bool(value) and all(
        re.match(r"^[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9])?$", x) for x in labels
    )


class Metadata(_Model):
    """Who owns the drill and what it is for."""

    name: str
    """A short name for the drill (lowercase, digits, '-'); it names runs and evidence."""
    description: str | None = None
    """One sentence on what the drill proves."""
    owner: str | None = None
    """The team or rota that owns the drill."""
    runbook: str | None = None
    """Path to the human runbook, relative to the drill file; it must exist."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Free-form labels copied into evidence."""

    _name = field_validator("name")(classmethod(lambda cls, v: _dns_label(v)))


class SandboxEnvironment(_Model):
    """Run against the embedded twin: it starts for the run and stops after."""

    world: str = "world.yaml"
    """Path of the world file, relative to the drill file."""


class AzureEnvironment(_Model):
    """Run against real Azure Traffic Manager and real Kubernetes clusters."""

    subscription_id: str = Field(alias="subscriptionId")
    """The subscription that holds the Traffic Manager profile."""
    resource_group: str = Field(alias="resourceGroup")
    """The resource group of the Traffic Manager profile."""
    tenant_id: str | None = Field(None, alias="tenantId")
    """Entra ID tenant (ID or domain) to sign in to; empty: the credential's own tenant."""
    cloud: Literal["AzureCloud", "AzureChinaCloud", "AzureUSGovernment"] = "AzureCloud"
    """The Azure cloud: sets the sign-in authority, the ARM endpoint and the token scope."""

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str | None) -> str | None:
        value = (value or "").strip() or None  # ${AZURE_TENANT_ID:-} may expand to ""
        if value is not None and not re.match(r"^[A-Za-z0-9.-]+$", value):
            raise ValueError(f"{value!r} is not a tenant ID (a GUID) or domain")
        return value


class Environment(_Model):
    """Where the drill runs: exactly one of ``sandbox`` or ``azure``."""

    sandbox: SandboxEnvironment | None = None
    """The offline twin."""
    azure: AzureEnvironment | None = None
    """Real Azure."""


class TrafficManagerRef(_Model):
    """The Traffic Manager profile that users' DNS name points to."""

    profile: str
    """Profile name; nested child profiles are discovered from its NestedEndpoints."""


class Region(_Model):
    """One region: a Kubernetes cluster and the ingress its Traffic Manager endpoints target."""

    kube_context: str = Field(alias="kubeContext")
    """The kubeconfig context of this region's cluster (``in-cluster`` for the pod's own)."""
    cluster_server: str | None = Field(None, alias="clusterServer")
    """Pin: refuse to run if the context's API server URL is not exactly this."""
    targets: Annotated[tuple[str, ...], WithJsonSchema(_INGRESS_SCHEMA)] = Field(
        alias="ingress", min_length=1
    )
    """The endpoint target(s) of this region: a host name, an IP address, or a list of them.
    Endpoints and DNS answers (CNAME, A, AAAA) are matched to regions by them."""

    @property
    def ingress(self) -> str:
        """The first ingress target (the one shown in plans and messages)."""
        return self.targets[0]

    @field_validator("targets", mode="before")
    @classmethod
    def _targets(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("targets")
    @classmethod
    def _target_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not _is_host_or_ip(item):
                raise ValueError(f"{item!r} is not a host name or an IP address")
        return value

    @field_validator("cluster_server")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+(:\d+)?/?$", value):
            raise ValueError(f"{value!r} is not an API server URL such as https://host:443")
        return value


OnRevert = Literal["abort", "reassert"]


class ArgoCdAccess(_Model):
    """Where drillkit reaches the Argo CD Applications that sync the target's workloads."""

    kube_context: str = Field(alias="kubeContext")
    """The kubeconfig context of the cluster Argo CD runs in (often a management cluster)."""
    namespace: str = "argocd"
    """The namespace of the Applications."""
    instance_label: str | None = Field(None, alias="instanceLabel")
    """With label tracking: the label that names the Application (app.kubernetes.io/instance
    is Argo CD's default, but Helm sets it too, so it is only read when named here)."""


class ControllersPolicy(_Model):
    """What to do about Argo CD, Flux and KEDA when they would undo the fault."""

    policy: Literal["refuse", "pause"] = "refuse"
    """``refuse``: preflight stops and names each controller; ``pause``: pause them for the
    drill (journalled, undone on restore)."""
    argocd: ArgoCdAccess | None = None
    """Where the Argo CD Applications live (needed to pause them)."""


class DrainFault(_Model):
    """Cordon the target's nodes and evict their pods, honouring PodDisruptionBudgets."""

    type: Literal["drain"]
    """``drain``."""
    node_selector: dict[str, str] = Field(default_factory=dict, alias="nodeSelector")
    """Which nodes to drain, by label (all nodes when empty)."""
    eviction_timeout: Duration = Field(Duration.parse("60s"), alias="evictionTimeout")
    """How long a PodDisruptionBudget may hold up one pod's eviction."""
    on_blocked: Literal["delete", "abort"] = Field("abort", alias="onBlocked")
    """After evictionTimeout: delete the pod as a real outage would, or abort and restore."""
    grace_period: Duration | None = Field(None, alias="gracePeriod")
    """Override the pods' termination grace period."""
    namespaces: list[str] | None = None
    """Drain only the pods of these namespaces (default: every namespace but the excluded)."""
    exclude_namespaces: list[str] = Field(
        default_factory=lambda: ["kube-system"], alias="excludeNamespaces"
    )
    """Never evict pods of these namespaces (the cluster's own system pods by default)."""
    force: bool = False
    """Evict pods no controller manages (kubectl drain --force); they do not come back."""
    delete_empty_dir_data: bool = Field(False, alias="deleteEmptyDirData")
    """Evict pods with emptyDir volumes, whose data is lost (--delete-emptydir-data)."""
    on_revert: OnRevert = Field("abort", alias="onRevert")
    """A node someone uncordons during the drill: stop and restore, or cordon it again."""


class ScaleDownFault(_Model):
    """Scale the target's matching Deployments and StatefulSets to zero through /scale."""

    type: Literal["scale-down"]
    """``scale-down``."""
    namespace: str
    """Namespace of the workloads."""
    selector: str
    """Label selector of the workloads, e.g. ``app.kubernetes.io/part-of=storefront``."""
    on_revert: OnRevert = Field("abort", alias="onRevert")
    """A controller scales a workload back up: stop and restore (naming it), or scale it down
    again and count the reverts (the RTO is then marked contested)."""
    controllers: Literal["refuse", "pause"] | ControllersPolicy = "refuse"
    """Argo CD, Flux and KEDA that would undo the scale-down: refuse, or pause them."""

    @property
    def controllers_policy(self) -> ControllersPolicy:
        """``controllers`` in its object form."""
        if isinstance(self.controllers, str):
            return ControllersPolicy(policy=self.controllers)
        return self.controllers

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str) -> str:
        if not _LABEL_SELECTOR.match(value):
            raise ValueError(f"{value!r} is not a label selector such as app=web,tier!=cache")
        return value


class DisableEndpointFault(_Model):
    """Disable the target region's Traffic Manager endpoints (endpointStatus: Disabled)."""

    type: Literal["disable-endpoint"]
    """``disable-endpoint``."""
    endpoints: list[str] = Field(default_factory=list)
    """Endpoint names to disable; default: every endpoint whose target is the region ingress."""
    on_revert: OnRevert = Field("abort", alias="onRevert")
    """Someone re-enables an endpoint during the drill: stop and restore, or disable it again."""


class ManualFault(_Model):
    """Inject nothing: a person causes the outage (or follows the runbook); drillkit watches for
    the first change, times it, and puts back whatever changed."""

    type: Literal["manual"]
    """``manual``."""
    instructions: str
    """What the engineer is asked to do: the outage to cause, or the runbook section to follow."""
    page: str | None = None
    """A simulated alert, shown when the drill is ready; the time to act is measured from it
    (from the drill's start when not set)."""
    namespace: str
    """Namespace of the workloads drillkit watches (in every region)."""
    selector: str = ""
    """Label selector of the watched Deployments and StatefulSets (all of the namespace when
    empty)."""

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str) -> str:
        if value and not _LABEL_SELECTOR.match(value):
            raise ValueError(f"{value!r} is not a label selector such as app=web,tier!=cache")
        return value


Fault = Annotated[
    DrainFault | ScaleDownFault | DisableEndpointFault | ManualFault, Field(discriminator="type")
]


class VantagePoint(_Model):
    """A client population, located by EDNS Client Subnet."""

    name: str
    """A short name (e.g. new-york); it keys per-vantage metrics."""
    client_subnet: str = Field(alias="clientSubnet")
    """Sent as EDNS Client Subnet (RFC 7871), e.g. 24.1.2.0/24."""
    expect_during_outage: str = Field(alias="expectDuringOutage")
    """The region this vantage point must be answered by while the target is down."""

    @field_validator("client_subnet")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not a CIDR subnet such as 24.1.2.0/24") from None
        return value


class HttpCheck(_Model):
    """The HTTP check through the answered region: a path on the ingress, or a full URL."""

    path: str | None = None
    """Path requested on the answered target, with the profile's DNS name as Host."""
    url: str | None = None
    """A full URL, requested as is."""
    expect_status: list[int] = Field(default_factory=lambda: [200], alias="expectStatus")
    """Status codes that count as healthy."""
    timeout: Duration = Duration.parse("5s")
    """Per-request timeout."""


class Observe(_Model):
    """What to watch and how often."""

    poll_interval: Duration = Field(Duration.parse("1s"), alias="pollInterval")
    """Cadence of DNS and HTTP checks (the cheap signals)."""
    status_interval: Duration | None = Field(None, alias="statusInterval")
    """Cadence of ARM reads of endpoint monitor status (the expensive signal). When not set,
    monitor status is read at the poll cadence, within drillkit's ARM read budget (one GET per
    profile of the tree per read)."""
    fast_interval: Duration | None = Field(None, alias="fastInterval")
    """Cadence while a change is expected (default: pollInterval / 5), within queryBudget;
    pollInterval or more turns adaptive sampling off (DNS and monitor status)."""
    query_budget: float = Field(4.0, alias="queryBudget", gt=0, le=100)
    """Average DNS questions per second per vantage point and name server over the drill."""
    nameservers: list[str] = Field(default_factory=list)
    """Name servers to ask (Traffic Manager's own, to avoid caches); the twin's in the sandbox."""
    vantage_points: list[VantagePoint] = Field(alias="vantagePoints", min_length=1)
    """Client populations and where each must land during the outage."""
    http: HttpCheck | None = None
    """The HTTP check through the survivor."""
    data: list[Canary] = Field(default_factory=list)
    """Replication canaries: writes through the target, reads on the survivor (RPO, lost writes)."""


class Objectives(_Model):
    """Targets, in real-world-equivalent seconds."""

    rto: Duration | None = None
    """Every vantage point answered by a healthy survivor whose HTTP check passes."""
    failback: Duration | None = None
    """After restore, every vantage point answered by its normal region again."""
    time_to_detect: Duration | None = Field(None, alias="timeToDetect")
    """Traffic Manager marks the target's endpoint Degraded."""
    rpo: Duration | None = None
    """Acknowledged writes lost, counted back from when the target stopped acknowledging."""
    lost_writes: int | None = Field(None, alias="lostWrites", ge=0)
    """Acknowledged canary writes never readable on the survivor (at most this many)."""


class Abort(_Model):
    """When to stop early and restore."""

    max_duration: Duration = Field(Duration.parse("30m"), alias="maxDuration")
    """Abort and restore once the drill has run this long."""
    on_survivor_unhealthy: bool = Field(True, alias="onSurvivorUnhealthy")
    """Abort and restore when the surviving region stops being healthy."""


class RestoreSettings(_Model):
    """How hard restore tries."""

    deadline: Duration = Duration.parse("10m")
    """Retry items that could not be put back (with backoff) until this long after restore
    began; wall-clock seconds, not scaled by the sandbox's timeScale (an API outage lasts what
    it lasts)."""


class Drill(_Model):
    """A failover drill: take one region down, watch traffic move, put it back, measure."""

    api_version: Literal["drillkit.dev/v1"] = Field(alias="apiVersion")
    """Always ``drillkit.dev/v1``."""
    kind: Literal["Drill"]
    """Always ``Drill``."""
    metadata: Metadata
    """Name, owner and runbook of the drill."""
    environment: Environment
    """Where the drill runs: the offline sandbox or real Azure."""
    traffic_manager: TrafficManagerRef = Field(alias="trafficManager")
    """The Traffic Manager profile in front of the regions."""
    regions: dict[str, Region]
    """Regions by name; at least two."""
    target: str
    """The region that goes down; one of ``regions``."""
    fault: Fault
    """How the target goes down: ``drain``, ``scale-down``, ``disable-endpoint`` or ``manual``
    (a person does it)."""
    observe: Observe
    """What to watch during the drill and how often."""
    objectives: Objectives = Field(default_factory=Objectives)
    """Recovery targets, in real-world-equivalent seconds."""
    abort: Abort = Field(default_factory=Abort)
    """Limits that stop the drill early and restore the world."""
    restore: RestoreSettings = Field(default_factory=RestoreSettings)
    """How hard restore tries to put everything back."""
    guards: Guards = Field(default_factory=Guards)
    """Guard rails for unattended runs: time window and Alertmanager."""
    notify: Notify = Field(default_factory=Notify)
    """Start and end notices."""
    export: Export = Field(default_factory=Export)
    """Where run metrics are pushed."""

    @property
    def survivors(self) -> list[str]:
        """Every region but the target, in file order."""
        return [name for name in self.regions if name != self.target]
