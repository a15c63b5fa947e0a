"""Preflight: every check that must pass before the first mutation. Refusal changes nothing."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

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
from drillkit.engine.journal import RESERVE_BYTES
from drillkit.engine.lock import DrillLock
from drillkit.engine.markers import foreign, marker_contexts, scan
from drillkit.engine.observe import http_target
from drillkit.errors import AdapterError, PreflightRefused
from drillkit.spec.model import Drill


def required_access(drill: Drill) -> dict[str, list[AccessCheck]]:
    """The RBAC each region's context needs: the lock's (every region) and the fault's (its
    target, and the survivors for a fault that watches them), as the fault type declares it."""
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
    for survivor in drill.survivors:
        result[survivor] += access.survivors
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
    # A run that did not restore comes first: after a killed run the target is usually down
    # too, and "bring it back first" must not hide the command that brings it back.
    problems: list[str] = _check_markers(drill, conns)
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
    contexts = marker_contexts(drill)
    world = World(conns.clusters, conns.traffic_manager, argocd=conns.argocd)
    try:
        found = scan(world, contexts)
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
