"""What a sandbox component sees while it starts, without depending on the kube twins' code.

The Traffic Manager twin only needs to read ready replicas from the kube twins; typing that as
a Protocol keeps ``drillkit.sandbox.kube`` and ``drillkit.sandbox.tm`` independent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.tls import Authority
from drillkit.sandbox.world import World


class ReplicaSource(Protocol):
    """The one thing a component reads from a region's kube twin."""

    def ready_replicas(self, namespace: str, kind: str, name: str) -> int: ...


@dataclass
class SandboxContext:
    """What a component sees while it starts."""

    world: World
    state_dir: Path
    kube: Mapping[str, ReplicaSource]
    fault_rate: float = 0.0
    fault_latency_ms: float = 0.0
    injectors: dict[str, FaultInjector] = field(default_factory=dict)
    # Each kube twin's own knobs (admin target kube:<region>), layered over faults("kube").
    region_faults: dict[str, FaultInjector] = field(default_factory=dict)
    authority: Authority | None = None
    ca_file: Path | None = None

    def faults(self, name: str) -> FaultInjector:
        """The named API's fault injector, created on first use with the start-up knobs."""
        if name not in self.injectors:
            self.injectors[name] = FaultInjector(self.fault_rate, self.fault_latency_ms)
        return self.injectors[name]


class Component(Protocol):
    """Something the sandbox starts after the kube twins (the Traffic Manager twin)."""

    async def start(self, ctx: SandboxContext) -> Mapping[str, Any]: ...

    async def stop(self) -> None: ...
