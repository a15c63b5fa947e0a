"""The adapters one run talks through, bundled; built by the CLI, closed by whoever built it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drillkit.adapters.ports import (
    Clock,
    Cluster,
    HttpProbe,
    IngressAddress,
    Resolver,
    TrafficManager,
)


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
    info: dict[str, Any] = field(default_factory=dict)
    """How to reconnect (contexts, kubeconfig, ARM scope, sandbox state dir): no secrets."""
    ingress_overrides: dict[str, IngressAddress] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Close every adapter (best effort: one failure does not keep the others open)."""
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception:
                continue
        self.closers.clear()
