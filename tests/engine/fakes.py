"""Fakes of the engine's ports: a tiny two-region world that records every call.

A region is down when every node is cordoned and its serving pods are gone (drain), when its
workloads have no replica (scale-down) or when its endpoints are disabled; then its Traffic Manager
endpoints turn Degraded and DNS answers the survivor, as the real thing does.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from drillkit.adapters.bundle import ConnectionInfo, Connections
from drillkit.adapters.clock import SystemClock
from drillkit.adapters.ports import (
    AccessCheck,
    DnsAnswer,
    Eviction,
    EvictionResult,
    HpaState,
    HttpResult,
    LeaseState,
    MarkedObject,
    NodeState,
    PdbState,
    PodRef,
    Target,
    TmEndpoint,
    WorkloadState,
)
from drillkit.core.design import DesignEndpoint, DesignProfile, Monitor
from drillkit.errors import PermanentAdapterError
from drillkit.spec.model import Drill

INGRESS = {"us": "us.ingress.test", "eu": "eu.ingress.test"}
HOME = {"24.1.2.0/24": "us", "128.7.8.0/24": "eu"}


def make_drill(**overrides: Any) -> Drill:
    """A small sandbox drill over the fake world, with fast polling."""
    data: dict[str, Any] = {
        "apiVersion": "drillkit.dev/v1",
        "kind": "Drill",
        "metadata": {"name": "fake-outage"},
        "environment": {"sandbox": {}},
        "trafficManager": {"profile": "myapp"},
        "regions": {
            "us": {"kubeContext": "fake-us", "ingress": INGRESS["us"]},
            "eu": {"kubeContext": "fake-eu", "ingress": INGRESS["eu"]},
        },
        "target": "us",
        "fault": {"type": "drain", "evictionTimeout": "200ms", "onBlocked": "delete"},
        "observe": {
            "pollInterval": "10ms",
            "statusInterval": "20ms",
            "vantagePoints": [
                {"name": "new-york", "clientSubnet": "24.1.2.0/24", "expectDuringOutage": "eu"},
                {"name": "paris", "clientSubnet": "128.7.8.0/24", "expectDuringOutage": "eu"},
            ],
            "http": {"path": "/healthz"},
        },
        "objectives": {"rto": "120s", "failback": "120s"},
        "abort": {"maxDuration": "20s"},
    }
    for key, value in overrides.items():
        data[key] = value
    return Drill.model_validate(data)


@dataclass
class FakeCluster:
    """One region's cluster."""

    world: FakeWorld
    region: str
    nodes: dict[str, bool] = field(default_factory=dict)
    pods: dict[str, PodRef] = field(default_factory=dict)
    workloads: dict[str, WorkloadState] = field(default_factory=dict)
    hpas: list[HpaState] = field(default_factory=list)
    pdbs: list[PdbState] = field(default_factory=list)
    leases: dict[str, LeaseState] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Objects by API path (custom resources, managedFields), for ``get`` and ``patch``."""
    denied: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    """Pods whose eviction a PodDisruptionBudget blocks forever (429)."""
    budgets: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Pod -> (the PodDisruptionBudget that names itself in the 429, evictions it still blocks)."""
    server_url: str = ""
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    annotations: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    """(kind, namespace, name) -> drillkit's annotations on it."""

    def _log(self, *call: Any) -> None:
        with self.lock:
            self.calls.append(call)

    def mutations(self) -> list[tuple[Any, ...]]:
        reads = {"server", "can_i", "list_nodes", "get_node", "pods_on_node", "list_workloads",
                 "get_workload", "list_hpas", "list_pdbs", "get_lease", "get"}  # fmt: skip
        return [c for c in self.calls if c[0] not in reads]

    def server(self) -> str:
        return self.server_url or f"https://{self.region}.fake:443"

    def can_i(self, check: AccessCheck) -> bool:
        self._log("can_i", str(check))
        return str(check) not in self.denied and "*" not in self.denied

    def list_nodes(self, selector: dict[str, str]) -> list[NodeState]:
        return [NodeState(n, u) for n, u in sorted(self.nodes.items())]

    def get_node(self, name: str) -> NodeState | None:
        return NodeState(name, self.nodes[name]) if name in self.nodes else None

    def annotate(
        self, kind: str, namespace: str, name: str, values: Mapping[str, str | None]
    ) -> None:
        current = self.annotations.setdefault((kind, namespace, name), {})
        if all(v is None for v in values.values()) and not set(values) & set(current):
            return  # as the adapter: removing absent annotations writes nothing
        self._log("annotate", kind, namespace, name, tuple(sorted(values)))
        for key, value in values.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value

    def marked(self) -> list[MarkedObject]:
        return [
            MarkedObject(kind, ns, name, dict(values))
            for (kind, ns, name), values in sorted(self.annotations.items())
            if "drillkit.dev/run" in values
        ]

    def set_unschedulable(self, name: str, value: bool) -> None:
        self._log("set_unschedulable", name, value)
        self.nodes[name] = value
        if not value:
            self.world.restore_pods()

    def pods_on_node(self, node: str) -> list[PodRef]:
        return [p for p in self.pods.values() if p.node == node]

    def evict(self, pod: PodRef, grace_period_s: int | None = None) -> EvictionResult:
        self._log("evict", pod.key)
        if pod.key in self.blocked:
            return EvictionResult(Eviction.BLOCKED, message="Cannot evict pod (PDB)")
        pdb, times = self.budgets.get(pod.key, ("", 0))
        if times > 0:
            self.budgets[pod.key] = (pdb, times - 1)
            return EvictionResult(Eviction.BLOCKED, message="Cannot evict pod", pdb=pdb)
        with self.lock:
            gone = self.pods.pop(pod.key, None) is None
        return EvictionResult(Eviction.GONE if gone else Eviction.EVICTED)

    def delete_pod(self, pod: PodRef, grace_period_s: int | None = None) -> bool:
        self._log("delete_pod", pod.key)
        with self.lock:
            return self.pods.pop(pod.key, None) is not None

    def get(self, path: str) -> dict[str, Any] | None:
        self._log("get", path)
        found = self.objects.get(path)
        parts = path.strip("/").split("/")
        if found is None and len(parts) == 4 and parts[0] == "apis":  # every namespace's
            found = {"items": [obj for p, obj in sorted(self.objects.items()) if (
                (q := p.strip("/").split("/"))[:3] == parts[:3] and len(q) == 7
                and q[3] == "namespaces" and q[5] == parts[3])]}  # fmt: skip
        return copy.deepcopy(found) if found is not None else None

    def patch(self, path: str, patch: dict[str, Any]) -> None:
        self._log("patch", path, patch)
        if path not in self.objects:
            raise PermanentAdapterError(f"patch {path} failed (404): not found", status=404)
        self.objects[path] = _merge(self.objects[path], patch)

    def list_workloads(self, namespace: str, selector: str) -> list[WorkloadState]:
        return [w for w in self.workloads.values() if w.namespace == namespace]

    def get_workload(self, kind: str, namespace: str, name: str) -> WorkloadState | None:
        return self.workloads.get(f"{kind}/{namespace}/{name}")

    def set_replicas(self, kind: str, namespace: str, name: str, replicas: int) -> None:
        self._log("set_replicas", f"{kind}/{namespace}/{name}", replicas)
        key = f"{kind}/{namespace}/{name}"
        self.workloads[key] = replace(self.workloads[key], replicas=replicas)

    def list_hpas(self, namespace: str) -> list[HpaState]:
        return list(self.hpas)

    def list_pdbs(self) -> list[PdbState]:
        return list(self.pdbs)

    def get_lease(self, namespace: str, name: str) -> LeaseState | None:
        return self.leases.get(f"{namespace}/{name}")

    def put_lease(self, lease: LeaseState, holder: str, now: float) -> LeaseState:
        self._log("put_lease", holder)
        key = f"{lease.namespace}/{lease.name}"
        with self.lock:
            current = self.leases.get(key)
            if (current.resource_version if current else "") != lease.resource_version:
                raise PermanentAdapterError("conflict", status=409)
            version = str(int(current.resource_version) + 1) if current else "1"
            new = replace(lease, holder=holder, renew_time=now, resource_version=version)
            self.leases[key] = new
            return new

    def delete_lease(self, namespace: str, name: str, holder: str) -> None:
        self._log("delete_lease", holder)
        key = f"{namespace}/{name}"
        if key in self.leases and self.leases[key].holder == holder:
            del self.leases[key]

    def close(self) -> None:
        self._log("close")

    def down(self) -> bool:
        if self.workloads and all(w.replicas == 0 for w in self.workloads.values()):
            return True
        serving = [p for p in self.pods.values() if p.owner_kind == "ReplicaSet"]
        return bool(self.nodes) and all(self.nodes.values()) and not serving


@dataclass
class FakeTrafficManager:
    """Endpoints: one per region in a Priority child profile per geography."""

    world: FakeWorld
    disabled: set[str] = field(default_factory=set)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    profile_status: str = "Enabled"
    modified_by: dict[str, str] = field(default_factory=dict)
    """ARM's systemData.lastModifiedBy by endpoint name (or profile name)."""

    def profile_tags(self) -> dict[str, dict[str, str]]:
        return {p: dict(t) for p, t in self.tags.items()}

    def tag_profile(self, profile: str, tags: Mapping[str, str | None]) -> None:
        self.calls.append(("tag_profile", profile, tuple(sorted(tags))))
        current = self.tags.setdefault(profile, {})
        for key, value in tags.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value

    def set_profile_status(self, profile: str, status: str) -> None:
        self.calls.append(("set_profile_status", profile, status))
        self.profile_status = status

    def fqdn(self) -> str:
        return "myapp.trafficmanager.net"

    def endpoints(self) -> list[TmEndpoint]:
        result = []
        for region, host in INGRESS.items():
            enabled = region not in self.disabled
            status = (
                "Disabled"
                if not enabled
                else ("Degraded" if self.world.region_down(region) else "Online")
            )
            result.append(TmEndpoint("myapp-child", "ExternalEndpoints", region, host,
                                     "Enabled" if enabled else "Disabled", status))  # fmt: skip
        return result

    def profile_endpoints(self, profile: str) -> list[TmEndpoint]:
        return [e for e in self.endpoints() if e.profile == profile]

    def design(self) -> DesignProfile:
        """A Priority profile over one endpoint per region, probed every 10 s."""
        leaves = tuple(
            DesignEndpoint(
                e.name,
                e.type,
                e.target,
                e.endpoint_status,
                e.monitor_status,
                priority=i + 1,
                modified_by=self.modified_by.get(e.name, ""),
            )
            for i, e in enumerate(self.endpoints())
        )
        monitor = Monitor(interval_s=10, timeout_s=5, tolerated_failures=3)
        return DesignProfile(
            "myapp-child", "Priority", 30, monitor, status=self.profile_status, endpoints=leaves,
            modified_by=self.modified_by.get("myapp-child", ""),
        )  # fmt: skip

    def set_endpoint_status(
        self, profile: str, type_: str, name: str, status: str, *, restore: bool = False
    ) -> None:
        self.calls.append(("set_endpoint_status", name, status))
        if status == "Disabled":
            self.disabled.add(name)
        else:
            self.disabled.discard(name)


class FakeResolver:
    """Answers each subnet's home region unless it is down, then the other one."""

    def __init__(self, world: FakeWorld) -> None:
        self.world = world
        self.questions = 0

    async def resolve(self, qname: str, client_subnet: str) -> DnsAnswer:
        self.questions += 1
        home = HOME[client_subnet]
        region = home if not self.world.region_down(home) else self.world.other(home)
        return DnsAnswer("NOERROR", (INGRESS[region],), ttl=3)


class FakeHttp:
    """200 from a healthy region's ingress, 503 from a down one."""

    def __init__(self, world: FakeWorld) -> None:
        self.world = world

    async def check(self, target: Target) -> HttpResult:
        region = next(r for r, h in INGRESS.items() if h == target.target)
        healthy = not self.world.region_down(region) and region not in self.world.sick
        return HttpResult(200 if healthy else 503, 0.001)

    async def aclose(self) -> None:
        return None


class FakeWorld:
    """Two regions, us (target) and eu; three nodes each; web pods behind a PDB."""

    def __init__(self) -> None:
        self.clusters = {r: FakeCluster(self, r) for r in INGRESS}
        self.tm = FakeTrafficManager(self)
        self.sick: set[str] = set()
        for region, cluster in self.clusters.items():
            for i in range(1, 4):
                node = f"{region}-node-{i}"
                cluster.nodes[node] = False
                web = PodRef("shop", f"web-{i}", node, "ReplicaSet")
                agent = PodRef("shop", f"log-agent-{i}", node, "DaemonSet")
                cluster.pods[web.key] = web
                cluster.pods[agent.key] = agent
            mirror = PodRef("kube-system", "etcd", f"{region}-node-1", "Node", mirror=True)
            cluster.pods[mirror.key] = mirror

    def other(self, region: str) -> str:
        return next(r for r in INGRESS if r != region)

    def region_down(self, region: str) -> bool:
        return region in self.tm.disabled or self.clusters[region].down()

    def restore_pods(self) -> None:
        """Controllers recreate serving pods once nodes are schedulable again."""
        for region, cluster in self.clusters.items():
            for i in range(1, 4):
                node = f"{region}-node-{i}"
                if not cluster.nodes[node]:
                    web = PodRef("shop", f"web-{i}", node, "ReplicaSet")
                    cluster.pods.setdefault(web.key, web)

    def connections(self) -> Connections:
        return Connections(
            clusters=dict(self.clusters),
            traffic_manager=self.tm,
            resolver=FakeResolver(self),
            http_factory=lambda: FakeHttp(self),
            clock=SystemClock(),
            fqdn="myapp.trafficmanager.net",
            time_scale=1.0,
            info=ConnectionInfo(environment="fake"),
        )


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def slow_cordons(cluster: FakeCluster, delay_s: float) -> list[int]:
    """Make each of ``cluster``'s cordons and uncordons take ``delay_s``; returns a one-item
    list that holds the most of them ever in flight at once."""
    lock, flying, most = threading.Lock(), [0], [0]
    real = cluster.set_unschedulable

    def set_unschedulable(name: str, value: bool) -> None:
        with lock:
            flying[0] += 1
            most[0] = max(most[0], flying[0])
        time.sleep(delay_s)
        real(name, value)
        with lock:
            flying[0] -= 1

    cluster.set_unschedulable = set_unschedulable  # type: ignore[method-assign]
    return most
