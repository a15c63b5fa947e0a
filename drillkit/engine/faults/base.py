"""The one Protocol every fault type implements, and what its methods receive.

A fault type is a module in this package holding one object that satisfies ``FaultType`` for its
spec model (``drillkit/spec/model.py``); ``drillkit/engine/faults/__init__.py`` registers it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from drillkit.adapters.bundle import Connections
from drillkit.adapters.guard_ports import Alerts
from drillkit.adapters.ports import AccessCheck, Clock, Cluster, Objects, TrafficManager
from drillkit.core.faults import FaultText
from drillkit.engine.mutator import Mutator
from drillkit.engine.records import Item, JsonScalar, Mark
from drillkit.spec.model import Drill

F_contra = TypeVar("F_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class RequiredAccess:
    """What a fault needs to be allowed to do, exactly (the source of least-privilege RBAC)."""

    kube: tuple[AccessCheck, ...] = ()
    """Kubernetes verbs on resources, in the target region's cluster."""
    azure: tuple[str, ...] = ()
    """Azure RBAC actions on the Traffic Manager profile tree."""
    survivors: tuple[AccessCheck, ...] = ()
    """Kubernetes verbs in every survivor's cluster (``manual`` watches their workloads)."""


@dataclass(frozen=True, slots=True)
class World:
    """The adapters a fault reads and changes."""

    clusters: Mapping[str, Cluster]
    tm: TrafficManager
    alerts: Callable[[str], Alerts] | None = None
    """Alertmanager at a URL (the drill's silence is an item too); None without guards."""
    argocd: Objects | None = None
    """The cluster Argo CD runs in (fault.controllers.argocd.kubeContext), when reachable."""
    argocd_error: str = ""
    own_pod: str | None = None
    """``namespace/name`` of drillkit's own pod, when it runs in the target cluster."""


def world_of(conns: Connections, alerts: Callable[[str], Alerts] | None = None) -> World:
    """The adapters of a run's connections, as the faults see them."""
    return World(
        conns.clusters,
        conns.traffic_manager,
        alerts=alerts,
        argocd=conns.argocd,
        argocd_error=conns.argocd_error,
        own_pod=conns.own_pod,
    )


@dataclass(frozen=True, slots=True)
class BlockPrediction:
    """One PodDisruptionBudget over pods the drain evicts, and what will happen to them."""

    pdb: str
    pods: tuple[str, ...]
    allowed: int
    """Evictions the budget allows now."""
    blocked: tuple[str, ...]
    """Pods whose eviction will stay blocked (their replacements cannot schedule)."""
    then: str
    """What onBlocked does after evictionTimeout, in words."""


@dataclass(frozen=True, slots=True)
class Preview:
    """What a fault can predict, read-only, before it runs (``drillkit plan --inspect``)."""

    blocks: tuple[BlockPrediction, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class FaultContext:
    """What ``inject`` works with: the world, the journalled mutator, time and cancellation."""

    world: World
    mutator: Mutator
    clock: Clock
    cancelled: threading.Event = field(default_factory=threading.Event)
    injected_at: float | None = None
    """When the first change succeeded (journalled as the ``fault_injected`` mark)."""
    changed: set[str] = field(default_factory=set)
    """Items (``Item.what``) whose fault is written: the ones the hold check reads back."""
    mark: Callable[[Item, JsonScalar], None] | None = None
    """Leaves the run's marker on the object before it changes (``engine/markers.py``)."""
    check: Callable[[], None] | None = None
    """Raises ``DrillAborted`` when the drill must stop (the lock lost, a guard's alert, a sick
    survivor): a fault that waits for a person (``manual``) calls it while it waits."""
    page: Callable[[float], None] | None = None
    """Sends the page notice of a manual drill (``fault.page``) to the drill's webhooks, given
    the instant the page was journalled; returns at once (the notice goes in the background)."""
    _first: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def change(
        self,
        item: Item,
        action: str,
        value: JsonScalar,
        apply: Callable[[], object],
        reason: str | None = None,
    ) -> None:
        """Set ``item`` to ``value`` through ``apply``, journalled (with ``reason`` when the
        change is not the fault itself); the first change marks the moment the fault was
        injected. Safe to call from several threads (a drain cordons its nodes in parallel),
        each item's marker, intent and change staying in that order."""
        if self.mark is not None:
            self.mark(item, value)
        self.mutator.do(
            action, apply, item=item.what, region=item.region, value=value, reason=reason
        )
        with self._first:
            self.changed.add(item.what)
            if self.injected_at is None:
                self.injected_at = self.clock.wall()
                self.mutator.journal.append(Mark(name="fault_injected", at=self.injected_at))


class ItemOwner(Protocol):
    """Reads, holds and undoes journalled items of its kinds (restore needs no more)."""

    @property
    def item_kinds(self) -> frozenset[str]: ...

    def read(self, item: Item, world: World) -> JsonScalar: ...

    def hold(self, item: Item, world: World) -> bool: ...

    def undo(self, item: Item, world: World) -> None: ...


class FaultType(Protocol[F_contra]):
    """One fault type. ``F_contra`` is its spec model (e.g. ``DrainFault``)."""

    @property
    def item_kinds(self) -> frozenset[str]:
        """The ``Item.kind`` values its snapshot produces; restore finds the fault by them."""
        ...

    def describe(self, fault: F_contra, drill: Drill) -> FaultText:
        """Plan and report text (pure: ``drillkit/core/faults/``)."""
        ...

    def required_access(self, fault: F_contra, drill: Drill) -> RequiredAccess:
        """Exactly what inject, hold and undo need, in the target region and in Azure."""
        ...

    def preview(self, fault: F_contra, drill: Drill, world: World) -> Preview:
        """A read-only prediction for ``plan --inspect``."""
        ...

    def snapshot(self, fault: F_contra, drill: Drill, world: World) -> list[Item]:
        """Read every item the fault will change (or depends on); refuse when there is none."""
        ...

    def inject(
        self, fault: F_contra, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        """Apply the fault to the snapshot's items, every change through ``ctx.change`` (or
        ``ctx.mutator``) so that each one is journalled before it happens."""
        ...

    def read(self, item: Item, world: World) -> JsonScalar:
        """The item's current value; None when it does not exist (gone, or not created yet)."""
        ...

    def hold(self, item: Item, world: World) -> bool:
        """Is the fault still in force on this item (e.g. the node still cordoned)?"""
        ...

    def joined(
        self, fault: F_contra, drill: Drill, items: Sequence[Item], world: World
    ) -> list[Item]:
        """Items that joined the fault's selection since ``items`` were taken (nodes the
        cluster autoscaler added), to be journalled and faulted too; [] for most faults."""
        ...

    def reverted_by(self, item: Item, world: World) -> str | None:
        """Who changed ``item`` back, from managedFields (None when nothing names them)."""
        ...

    def undo(self, item: Item, world: World) -> None:
        """Put a changed item back to its snapshot value; delete (or revert) a created one."""
        ...


@runtime_checkable
class Watcher(Protocol):
    """A fault type that waits for changes made by someone else (``manual``) instead of
    making them: its ``inject`` returns at the first change (the fault), and the holder calls
    ``watch`` every poll until restore, so that each later change is journalled too."""

    def watch(self, fault: Any, drill: Drill, items: Sequence[Item], ctx: FaultContext) -> None:
        """Journal every item whose value changed since it was last seen."""
        ...
