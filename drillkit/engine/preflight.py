"""Preflight: every check that must pass before the first mutation. Refusal changes nothing."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlparse

from drillkit.adapters.bundle import Connections
from drillkit.adapters.ports import AccessCheck, Target
from drillkit.core.plan import LEASE_NAMESPACE
from drillkit.engine.faults import fault_type
from drillkit.engine.faults.disable_endpoint import endpoints_by_region
from drillkit.engine.journal import RESERVE_BYTES
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


RUNS_DIR_FREE_BYTES = 2 * RESERVE_BYTES
"""Free space a run needs in its runs dir: the journal's reserve, and as much again."""
EVIDENCE_DIR_FREE_BYTES = 4 * 1024 * 1024


def check_dirs(runs_dir: Path, evidence_dir: Path | None) -> None:
    """The runs and evidence dirs exist (or can be made), are writable and have space; refuse
    (nothing changed) with a located message otherwise."""
    problems = [
        p
        for p in (
            _check_dir(runs_dir, "runs dir (--runs-dir)", RUNS_DIR_FREE_BYTES),
            _check_dir(evidence_dir, "evidence dir (--evidence-dir)", EVIDENCE_DIR_FREE_BYTES)
            if evidence_dir is not None
            else "",
        )
        if p
    ]
    if problems:
        raise PreflightRefused("; ".join(problems) + "; nothing was changed")


def _check_dir(path: Path, what: str, need: int) -> str:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"{what} {path}: cannot create it: {e.strerror or e}"
    probe = path / f".drillkit-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        return f"{what} {path}: not writable: {e.strerror or e}"
    finally:
        probe.unlink(missing_ok=True)
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize
    if free < need:
        return (
            f"{what} {path}: only {free // 1024} KiB free, a run needs at least "
            f"{need // 1024} KiB there"
        )
    return ""


def check_no_unfinished(runs_dir: Path) -> None:
    """Refuse while any run in the runs dir has an unfinished restore (it may have left the
    world changed, and a new snapshot would record its changes as the normal state)."""
    from drillkit.engine.runs import RunStore, busy

    unfinished = RunStore(runs_dir).unfinished()
    if not unfinished:
        return
    lines = []
    for run in unfinished:
        state = "still running or being restored" if busy(run.journal.parent) else "unfinished"
        lines.append(f"run {run.run_id} ({state}): finish it with `{run.finish_command}`")
    raise PreflightRefused(
        "a previous run's restore is unfinished, so the world may still hold its changes; "
        "nothing was changed: " + "; ".join(lines)
    )
