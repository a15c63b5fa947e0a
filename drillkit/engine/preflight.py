"""Preflight: every check that must pass before the first mutation. Refusal changes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from drillkit.adapters.bundle import Connections
from drillkit.adapters.ports import AccessCheck, region_of
from drillkit.core.design import (
    PROBE_JITTER,
    PROPAGATION_S,
    DesignProfile,
    Prediction,
    design_refusals,
    predict,
    target_monitor,
)
from drillkit.core.plan import LEASE_NAMESPACE
from drillkit.engine.faults import World, fault_type
from drillkit.engine.faults.disable_endpoint import endpoints_by_region
from drillkit.engine.lock import DrillLock
from drillkit.engine.markers import foreign, scan
from drillkit.engine.observe import http_target
from drillkit.errors import AdapterError, PreflightRefused
from drillkit.spec.model import Drill


def required_access(drill: Drill) -> dict[str, list[AccessCheck]]:
    """The RBAC each region's context needs: the lock's (every region) and the fault's (its
    target), as the fault type declares it."""
    lease = [
        AccessCheck(verb, "leases", "coordination.k8s.io", namespace=LEASE_NAMESPACE)
        for verb in ("get", "create", "update", "delete")
    ]
    # Looking for markers that an earlier run left (engine/markers.py) reads these everywhere.
    scan = [
        AccessCheck("list", "nodes"),
        AccessCheck("list", "deployments", "apps"),
        AccessCheck("list", "statefulsets", "apps"),
    ]
    result = {region: [*lease, *scan] for region in drill.regions}
    access = fault_type(drill.fault).required_access(drill.fault, drill)
    result[drill.target] += access.kube
    return result


def _same_server(a: str, b: str) -> bool:
    def norm(url: str) -> str:
        url = url.rstrip("/").lower()
        return url[: -len(":443")] if url.startswith("https://") and url.endswith(":443") else url

    return norm(a) == norm(b)


@dataclass(frozen=True, slots=True)
class PreflightResult:
    """What preflight learnt: notes for the run's output, the design it read, its prediction."""

    notes: list[str]
    design: DesignProfile | None = None
    prediction: Prediction | None = None


def preflight(drill: Drill, conns: Connections, lock: DrillLock) -> PreflightResult:
    """Run every check; raise ``PreflightRefused`` listing every problem, else the result."""
    problems: list[str] = []
    notes: list[str] = []
    for region, spec in drill.regions.items():
        cluster = conns.clusters[region]
        try:
            server = cluster.server()
            if spec.cluster_server and not _same_server(server, spec.cluster_server):
                problems.append(
                    f"region {region}: context {spec.kube_context} points at {server}, "
                    f"not the pinned clusterServer {spec.cluster_server}"
                )
                continue
            denied = [str(c) for c in required_access(drill)[region] if not cluster.can_i(c)]
        except AdapterError as e:
            problems.append(f"region {region}: cannot talk to the cluster: {e}")
            continue
        if denied:
            problems.append(
                f"region {region}: context {spec.kube_context} may not " + "; ".join(denied)
            )
    design, prediction, design_problems = read_design(drill, conns, notes)
    problems += design_problems
    if not problems:
        problems += _check_markers(drill, conns)
    problems += asyncio.run(_check_serving(drill, conns))
    try:
        lock.check_free()
    except PreflightRefused as e:
        problems.append(str(e))
    except AdapterError as e:
        problems.append(f"cannot read the drill lock: {e}")
    if problems:
        raise PreflightRefused(
            "preflight refused the drill; nothing was changed:\n  - " + "\n  - ".join(problems)
        )
    return PreflightResult(notes, design, prediction)


def _check_markers(drill: Drill, conns: Connections) -> list[str]:
    """A run that did not restore left its markers: refuse until they are gone."""
    contexts = {region: spec.kube_context for region, spec in drill.regions.items()}
    try:
        found = scan(World(conns.clusters, conns.traffic_manager), contexts)
    except AdapterError as e:
        return [f"cannot look for the markers of an earlier run: {e}"]
    lines = foreign(found, run_id="")
    if not lines:
        return []
    runs = sorted({f.marker.run_id for f in found})
    return [
        "an earlier run did not restore ("
        + "; ".join(lines[:5])
        + (f"; and {len(lines) - 5} more" if len(lines) > 5 else "")
        + f"): restore it first with `drillkit restore {runs[0]}` or, without its journal, "
        "`drillkit restore --scan --drill DRILL`"
    ]


def read_design(
    drill: Drill, conns: Connections, notes: list[str]
) -> tuple[DesignProfile | None, Prediction | None, list[str]]:
    """The profile tree (read-only), why it cannot fail over, and what it predicts."""
    ingresses = {name: r.targets for name, r in drill.regions.items()}
    try:
        endpoints = conns.traffic_manager.endpoints()
        design = conns.traffic_manager.design()
    except AdapterError as e:
        problem = f"cannot read Traffic Manager profile {drill.traffic_manager.profile}: {e}"
        return None, None, [problem]
    for region, found in endpoints_by_region(endpoints, ingresses).items():
        if found:
            notes.append(f"region {region}: endpoints " + ", ".join(e.key for e in found))
    problems = design_refusals(design, drill.target, drill.survivors, ingresses)
    monitor, ttl = target_monitor(design, drill.target, ingresses)
    return (
        design,
        predict(
            monitor, ttl, fault=drill.fault.type, propagation_s=PROPAGATION_S, jitter=PROBE_JITTER
        ),
        problems,
    )


async def _check_serving(drill: Drill, conns: Connections) -> list[str]:
    """The target must serve now (else a drill measures nothing) and so must the survivors;
    some vantage point must be answered by the target today."""
    problems: list[str] = []
    check = drill.observe.http
    if check is not None:
        http = conns.http_factory()
        try:
            for region in drill.regions:
                target = http_target(drill, region, conns.fqdn)
                assert target is not None
                result = await http.check(target)
                if result.status in check.expect_status:
                    continue
                got = f"HTTP {result.status}" if result.status is not None else result.error
                problems.append(
                    f"the target {region} is not serving now ({got} from its ingress): a drill "
                    "would measure nothing; bring it back first"
                    if region == drill.target
                    else f"survivor {region} fails its HTTP check now ({got})"
                )
        finally:
            closer = getattr(http, "aclose", None)
            if closer is not None:
                await closer()
    problems += await _check_vantage_points(drill, conns)
    return problems


async def _check_vantage_points(drill: Drill, conns: Connections) -> list[str]:
    ingresses = {name: r.targets for name, r in drill.regions.items()}
    try:
        answers = await asyncio.gather(
            *(
                conns.resolver.resolve(conns.fqdn, v.client_subnet)
                for v in drill.observe.vantage_points
            )
        )
    finally:
        closer = getattr(conns.resolver, "aclose", None)
        if closer is not None:
            await closer()  # this loop's sockets end with it
    regions = {
        v.name: region_of(a.targets + a.addresses, ingresses)
        for v, a in zip(drill.observe.vantage_points, answers, strict=True)
    }
    if not any(regions.values()) or drill.target in regions.values():
        return []  # no answer at all is the baseline's to wait out
    seen = ", ".join(f"{name} -> {region or 'no region'}" for name, region in regions.items())
    return [
        f"no vantage point is answered by the target {drill.target} today ({seen}): a drill "
        "would measure nothing; pick clientSubnets that the target serves"
    ]
