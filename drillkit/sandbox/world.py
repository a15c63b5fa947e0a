"""The sandbox world file: which regions exist, what runs in them, and the Traffic Manager setup.

The Kubernetes twin reads ``regions`` and ``workloads``; the Traffic Manager twin reads
``trafficManager``, ``geography`` and ``latencies``. ``timeScale`` compresses every Traffic
Manager timing (probe interval, timeout, TTL) so that a drill with real settings runs fast.
``aks``, ``reconcilers`` and ``strays`` make a hostile world (docs/hostile-sandbox.md).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drillkit.sandbox.data.settings import DataWorld
from drillkit.sandbox.hostile import Aks, Reconcilers, Strays
from drillkit.sandbox.realism import Realism
from drillkit.spec.durations import Duration

DEFAULT_WORLD = Path(__file__).resolve().parents[2] / "drills" / "sandbox" / "world.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Ingress(_Model):
    """Where a region's ingress listens; Traffic Manager endpoints target ``host``."""

    host: str = Field(description="DNS name of the region's ingress, e.g. us.ingress.sandbox.test.")
    address: str = Field(description="Loopback address the ingress binds, e.g. 127.0.0.2.")

    @field_validator("address")
    @classmethod
    def _loopback(cls, value: str) -> str:
        if not ipaddress.ip_address(value).is_loopback:
            raise ValueError(
                f"{value} is not a loopback address; the sandbox binds 127.0.0.0/8 only"
            )
        return value


class WorkloadRef(_Model):
    """A workload whose ready replicas make a region healthy."""

    namespace: str
    kind: Literal["Deployment", "StatefulSet"] = "Deployment"
    name: str


class Region(_Model):
    """One region: a Kubernetes cluster twin plus its ingress."""

    nodes: int = Field(
        3,
        ge=1,
        le=500,
        description="Number of nodes, named <region>-node-<n> (the user pool with AKS realism).",
    )
    ingress: Ingress
    serving: list[WorkloadRef] = Field(
        description="Workloads whose ready replicas the ingress health path reports on."
    )
    location: str | None = Field(
        None, description="Azure-style location (e.g. eastus), used by Performance routing."
    )


class PodDisruptionBudgetSpec(_Model):
    """A PodDisruptionBudget over a workload's pods; exactly one of the two fields."""

    max_unavailable: int | None = Field(None, alias="maxUnavailable", ge=0)
    min_available: int | None = Field(None, alias="minAvailable", ge=0)

    @model_validator(mode="after")
    def _one_of(self) -> PodDisruptionBudgetSpec:
        if (self.max_unavailable is None) == (self.min_available is None):
            raise ValueError("set exactly one of maxUnavailable and minAvailable")
        return self


class Workload(_Model):
    """A Deployment, StatefulSet or DaemonSet created in every region."""

    kind: Literal["Deployment", "StatefulSet", "DaemonSet"]
    name: str
    replicas: int = Field(1, ge=0, description="Ignored for DaemonSets (one pod per node).")
    pdb: PodDisruptionBudgetSpec | None = None
    hpa: tuple[int, int] | None = Field(
        None, description="[minReplicas, maxReplicas] of a HorizontalPodAutoscaler, if any."
    )


class Namespace(_Model):
    """A namespace and the workloads in it."""

    name: str
    workloads: list[Workload] = Field(default_factory=list)


class Monitor(_Model):
    """Traffic Manager monitorConfig applied to every profile the world creates."""

    protocol: Literal["HTTP", "HTTPS", "TCP"] = "HTTP"
    path: str = "/healthz"
    interval_in_seconds: Literal[10, 30] = Field(10, alias="intervalInSeconds")
    timeout_in_seconds: int = Field(5, alias="timeoutInSeconds", ge=5, le=10)
    tolerated_number_of_failures: int = Field(3, alias="toleratedNumberOfFailures", ge=0, le=9)


class TmEndpoint(_Model):
    """An endpoint of a profile; ``target`` is a region ingress host or a child profile name."""

    name: str
    type: Literal["ExternalEndpoints", "NestedEndpoints", "AzureEndpoints"] = "ExternalEndpoints"
    target: str
    priority: int | None = Field(None, ge=1, le=1000)
    weight: int | None = Field(None, ge=1, le=1000)
    geo_mapping: list[str] = Field(default_factory=list, alias="geoMapping")
    endpoint_location: str | None = Field(None, alias="endpointLocation")
    min_child_endpoints: int = Field(1, alias="minChildEndpoints", ge=1)

    @field_validator("geo_mapping")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        from drillkit.sandbox.geography import known_codes

        unknown = [code for code in value if code.upper() not in known_codes()]
        if unknown:
            raise ValueError(f"not in Traffic Manager's geographic hierarchy: {', '.join(unknown)}")
        return value


class TmProfile(_Model):
    """A Traffic Manager profile the twin creates at start-up."""

    name: str
    routing_method: Literal[
        "Priority", "Weighted", "Performance", "Geographic", "MultiValue", "Subnet"
    ] = Field(alias="routingMethod")
    ttl: int = Field(30, ge=0, le=2147483647)
    endpoints: list[TmEndpoint] = Field(default_factory=list)


class TrafficManager(_Model):
    """The ARM scope and the profiles of the Traffic Manager twin."""

    subscription_id: str = Field("00000000-0000-0000-0000-000000000000", alias="subscriptionId")
    resource_group: str = Field("rg-sandbox", alias="resourceGroup")
    monitor: Monitor = Field(default_factory=Monitor)
    profiles: list[TmProfile] = Field(default_factory=list)
    realism: Realism = Field(
        default_factory=Realism,
        description="Probe agents, name servers and propagation delays (all on by default).",
    )


class GeoEntry(_Model):
    """Maps a client subnet to where Traffic Manager believes it is."""

    subnet: str
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. US, FR.")
    state: str | None = Field(None, description="Traffic Manager state code, e.g. US-NY.")
    name: str | None = Field(None, description="A human label, e.g. new-york.")

    @field_validator("subnet")
    @classmethod
    def _cidr(cls, value: str) -> str:
        ipaddress.ip_network(value, strict=False)
        return value

    @model_validator(mode="after")
    def _known_codes(self) -> GeoEntry:
        from drillkit.sandbox.geography import lineage

        if lineage(self.country)[0] != self.country.upper() or len(self.country) != 2:
            raise ValueError(f"country {self.country} is not in Traffic Manager's hierarchy")
        if self.state is not None and lineage(self.state)[:2] != [
            self.state.upper(),
            self.country.upper(),
        ]:
            raise ValueError(f"state {self.state} is not under {self.country} in the hierarchy")
        return self


class World(_Model):
    """A whole sandbox world."""

    api_version: Literal["drillkit.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["SandboxWorld"]
    time_scale: float = Field(0.1, alias="timeScale", gt=0, le=1)
    pod_ready_delay: Duration = Field(
        Duration.parse("200ms"), alias="podReadyDelay", description="Kubelet: Pending to Ready."
    )
    regions: dict[str, Region]
    namespaces: list[Namespace] = Field(default_factory=list)
    traffic_manager: TrafficManager = Field(
        default_factory=TrafficManager,
        alias="trafficManager",
    )
    geography: list[GeoEntry] = Field(default_factory=list)
    latencies: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Performance routing: client country -> endpoint location -> latency (ms).",
    )
    aks: Aks = Field(default_factory=Aks)
    reconcilers: Reconcilers = Field(default_factory=Reconcilers)
    strays: Strays | None = None
    data: DataWorld = Field(
        default_factory=DataWorld,
        description="The replicated store behind every region's /canary/{id}.",
    )

    @model_validator(mode="after")
    def _two_regions(self) -> World:
        if len(self.regions) < 2:
            raise ValueError("a world needs at least two regions")
        return self

    @model_validator(mode="after")
    def _exact_ttls(self) -> World:
        check_ttls(self)
        return self


def check_ttls(world: World) -> None:
    """Refuse a profile TTL that timeScale does not turn into whole seconds (see scaled_ttl)."""
    for profile in world.traffic_manager.profiles:
        scaled = profile.ttl * world.time_scale
        if abs(scaled - round(scaled)) > 1e-6 or (profile.ttl > 0 and round(scaled) == 0):
            raise ValueError(
                f"profile {profile.name}: a TTL of {profile.ttl} s at timeScale "
                f"{world.time_scale:g} is {scaled:g} s, not a whole number of seconds; DNS carries "
                "whole seconds only and rounding would add its error to every measured RTO, so "
                f"pick a TTL that is a multiple of {1 / world.time_scale:g} s"
            )


def load_world(path: Path | None = None) -> World:
    """Load and validate a world file (the default world when ``path`` is None)."""
    from drillkit.spec.loader import load_model

    return load_model(path or DEFAULT_WORLD, World)
