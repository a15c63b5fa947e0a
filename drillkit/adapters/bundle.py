"""The adapters one run talks through, bundled; built by the CLI, closed by whoever built it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drillkit.adapters.canary_ports import CanaryHttp
from drillkit.adapters.ports import (
    Clock,
    Cluster,
    HttpProbe,
    IngressAddress,
    Resolver,
    TrafficManager,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionInfo:
    """How to reconnect to a run's world after a crash (journalled in ``run.started``); no
    secrets: a sandbox's token is read again from its world.json, Azure's from its credential."""

    environment: str
    """``sandbox``, ``azure`` (or ``fake`` in tests)."""
    state_dir: str | None = None
    """The sandbox twin's state dir (its world.json)."""
    kubeconfig: str | None = None
    """The sandbox twin's kubeconfig."""
    arm_url: str | None = None
    """The sandbox ARM twin's base URL."""
    dns: str | None = None
    """The sandbox DNS twin, ``host:port``."""
    subscription_id: str | None = None
    """Azure: the subscription of the Traffic Manager profile."""
    resource_group: str | None = None
    """Azure: the resource group of the Traffic Manager profile."""


@dataclass
class Connections:
    """Clusters by region, Traffic Manager, DNS, HTTP (made inside the observer's loop), clock."""

    clusters: dict[str, Cluster]
    traffic_manager: TrafficManager
    resolver: Resolver
    http_factory: Callable[[], HttpProbe]
    clock: Clock
    fqdn: str
    time_scale: float = 1.0
    info: ConnectionInfo = field(default_factory=lambda: ConnectionInfo(environment="unknown"))
    """How to reconnect (kubeconfig, ARM scope, sandbox state dir): no secrets."""
    ingress_overrides: dict[str, IngressAddress] = field(default_factory=dict)
    argocd: Cluster | None = None
    """The cluster Argo CD runs in (fault.controllers.argocd.kubeContext), when reachable."""
    argocd_error: str = ""
    """Why it is not (the context cannot be loaded)."""
    own_pod: str | None = None
    """``namespace/name`` of drillkit's own pod when it runs in the target cluster."""
    closers: list[Callable[[], None]] = field(default_factory=list)
    canary_factory: Callable[[], CanaryHttp] | None = None
    """Replication canary HTTP, made inside the observer's loop (None: no canaries)."""

    def close(self) -> None:
        """Close every adapter (best effort: one failure does not keep the others open)."""
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                continue
        self.closers.clear()
