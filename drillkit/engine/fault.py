"""Injecting the fault: drain (cordon, then concurrent evictions honouring PDBs), scale-down, or
disable-endpoint. Every mutation is journalled as an intent before and a result after."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import structlog

from drillkit.adapters.ports import Clock, Cluster, Eviction, EvictionResult, PodRef, TrafficManager
from drillkit.engine.journal import Journal
from drillkit.engine.records import Intent, Item, Mark, Result
from drillkit.engine.snapshot import Snapshot, write_value
from drillkit.errors import AdapterError, DrillAborted
from drillkit.spec.model import DrainFault, Drill

T = TypeVar("T")
log = structlog.get_logger()
SKIPPED_OWNERS = {"DaemonSet"}
MAX_PARALLEL_EVICTIONS = 16
BACKOFF_S = (0.1, 0.2, 0.5, 1.0)
FAULT_VALUE: dict[str, Any] = {"node": True, "workload": 0, "endpoint": "Disabled"}


class Mutator:
    """Runs one mutation between a journalled intent and a journalled result."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def do(self, action: str, fn: Callable[[], T], **fields: Any) -> T:
        """Journal ``Intent(action, **fields)``, run ``fn``, journal its ``Result``."""
        with self._lock:
            mutation_id = f"m{next(self._ids)}"
        self.journal.append(Intent(id=mutation_id, action=action, **fields))
        try:
            result = fn()
        except AdapterError as e:
            self.journal.append(Result(id=mutation_id, ok=False, detail=str(e)))
            raise
        self.journal.append(Result(id=mutation_id, ok=True, detail=_detail(result)))
        return result


def _detail(result: Any) -> str:
    outcome = getattr(result, "outcome", None)
    return str(getattr(outcome, "value", outcome)) if outcome is not None else ""


@dataclass
class Injector:
    """Applies a drill's fault through the adapters, journalling every mutation."""

    clusters: dict[str, Cluster]
    tm: TrafficManager
    mutator: Mutator
    clock: Clock
    cancelled: threading.Event

    def inject(self, drill: Drill, snapshot: Snapshot) -> float:
        """Apply the fault; returns the wall time the first mutation succeeded."""
        injected_at: float | None = None
        for item in snapshot.items:
            if not item.mutable:
                continue
            value = FAULT_VALUE[item.kind]
            self.mutator.do(
                _action(item),
                partial(write_value, item, value, self.clusters, self.tm),
                item=item.what,
                region=item.region,
                value=value,
            )
            if injected_at is None:
                injected_at = self.clock.wall()
                self.mutator.journal.append(Mark(name="fault_injected", at=injected_at))
        if isinstance(drill.fault, DrainFault):
            nodes = [item.ref["name"] for item in snapshot.items if item.kind == "node"]
            self.drain_pods(drill.target, nodes, drill.fault)
        assert injected_at is not None  # a snapshot always holds at least one mutable item
        return injected_at

    def drain_pods(self, region: str, nodes: list[str], fault: DrainFault) -> None:
        """Evict every pod on ``nodes`` but DaemonSet and mirror pods, concurrently."""
        cluster = self.clusters[region]
        pods = [
            pod
            for node in nodes
            for pod in cluster.pods_on_node(node)
            if pod.owner_kind not in SKIPPED_OWNERS and not pod.mirror and not pod.finished
        ]
        if not pods:
            return
        errors: list[BaseException] = []
        with ThreadPoolExecutor(min(MAX_PARALLEL_EVICTIONS, len(pods))) as pool:
            futures = [pool.submit(self._evict_one, region, pod, fault) for pod in pods]
            try:
                for future in futures:
                    error = future.exception()
                    if error is not None:
                        errors.append(error)
                        self.cancelled.set()  # stop the other evictions: restore is next
            except BaseException:
                self.cancelled.set()  # a signal: the workers stop at their next attempt
                raise
        if errors:
            raise errors[0]

    def _evict_one(self, region: str, pod: PodRef, fault: DrainFault) -> None:
        cluster = self.clusters[region]
        grace = int(fault.grace_period) if fault.grace_period is not None else None
        deadline = self.clock.monotonic() + float(fault.eviction_timeout)

        def until_evicted() -> EvictionResult:
            attempt = 0
            while True:
                result = cluster.evict(pod, grace)
                remaining = deadline - self.clock.monotonic()
                if result.outcome is not Eviction.BLOCKED:
                    return result
                if remaining <= 0 or self.cancelled.is_set():
                    return result
                pause = result.retry_after or BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                self.clock.sleep(min(pause, remaining))
                attempt += 1

        result = self.mutator.do("evict", until_evicted, region=region, pod=pod.key, node=pod.node)
        if result.outcome is not Eviction.BLOCKED or self.cancelled.is_set():
            return
        if fault.on_blocked == "abort":
            raise DrillAborted(
                f"evicting {pod.key} stayed blocked by a PodDisruptionBudget for "
                f"{fault.eviction_timeout} and onBlocked is abort; the world is being restored"
            )
        log.info("drill.inject.delete_blocked_pod", pod=pod.key, region=region)
        self.mutator.do(
            "delete-pod",
            partial(cluster.delete_pod, pod, grace),
            region=region,
            pod=pod.key,
            node=pod.node,
            reason=f"eviction blocked for {fault.eviction_timeout} (onBlocked: delete)",
        )


def _action(item: Item) -> str:
    return {"node": "cordon", "workload": "scale", "endpoint": "endpoint-status"}[item.kind]
