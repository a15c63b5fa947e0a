"""Preflight: every check that must pass before the first mutation. Refusal changes nothing."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

from drillkit.adapters.bundle import Connections
from drillkit.adapters.ports import AccessCheck, Target
from drillkit.core.plan import LEASE_NAMESPACE
from drillkit.engine.faults import fault_type
from drillkit.engine.faults.disable_endpoint import endpoints_by_region
from drillkit.engine.lock import DrillLock
from drillkit.errors import AdapterError, PreflightRefused
from drillkit.spec.model import Drill

HEALTHY = {"Online", "CheckingEndpoint"}


def required_access(drill: Drill) -> dict[str, list[AccessCheck]]:
    """The RBAC each region's context needs: the lock's (every region) and the fault's (its
    target), as the fault type declares it."""
    lease = [
        AccessCheck(verb, "leases", "coordination.k8s.io", namespace=LEASE_NAMESPACE)
        for verb in ("get", "create", "update", "delete")
    ]
    result = {region: list(lease) for region in drill.regions}
    access = fault_type(drill.fault).required_access(drill.fault, drill)
    result[drill.target] += access.kube
    return result


def _same_server(a: str, b: str) -> bool:
    def norm(url: str) -> str:
        url = url.rstrip("/").lower()
        return url[: -len(":443")] if url.startswith("https://") and url.endswith(":443") else url

    return norm(a) == norm(b)


def preflight(drill: Drill, conns: Connections, lock: DrillLock) -> list[str]:
    """Run every check; raise ``PreflightRefused`` listing every problem, else return notes."""
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
    problems += _check_traffic_manager(drill, conns, notes)
    problems += _check_survivors_http(drill, conns)
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
    return notes


def _check_traffic_manager(drill: Drill, conns: Connections, notes: list[str]) -> list[str]:
    try:
        endpoints = conns.traffic_manager.endpoints()
    except AdapterError as e:
        return [f"cannot read Traffic Manager profile {drill.traffic_manager.profile}: {e}"]
    ingresses = {name: r.ingress for name, r in drill.regions.items()}
    problems = []
    for region, found in endpoints_by_region(endpoints, ingresses).items():
        if not found:
            problems.append(
                f"no Traffic Manager endpoint targets region {region}'s ingress "
                f"{ingresses[region]}; fix regions.{region}.ingress"
            )
            continue
        notes.append(f"region {region}: endpoints " + ", ".join(e.key for e in found))
        if region == drill.target:
            continue
        unhealthy = [
            f"{e.key} is {e.monitor_status}" for e in found if e.monitor_status not in HEALTHY
        ]
        if unhealthy:
            problems.append(f"survivor {region} is not healthy now: " + "; ".join(unhealthy))
    return problems


def _check_survivors_http(drill: Drill, conns: Connections) -> list[str]:
    check = drill.observe.http
    if check is None:
        return []

    async def probe() -> list[str]:
        http = conns.http_factory()
        try:
            problems = []
            for region in drill.survivors:
                url = urlparse(check.url) if check.url else None
                target = Target(
                    target=drill.regions[region].ingress,
                    host_header=url.hostname if url else conns.fqdn,
                    path=(url.path if url else check.path) or "/",
                )
                result = await http.check(target)
                if result.status not in check.expect_status:
                    got = result.status if result.status is not None else result.error
                    problems.append(f"survivor {region} fails its HTTP check now ({got})")
            return problems
        finally:
            closer = getattr(http, "aclose", None)
            if closer is not None:
                await closer()

    return asyncio.run(probe())
