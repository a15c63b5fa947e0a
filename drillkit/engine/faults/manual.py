"""The manual fault: drillkit changes nothing; a person causes the outage.

The snapshot records every object an outage runbook could touch (the target's nodes, the
workloads of ``fault.namespace`` in every region, every endpoint and profile of the Traffic
Manager tree). ``inject`` waits for
the first change to any of them (that change is the fault); from then until restore the holder
calls ``watch`` every poll, so each later change is journalled too. Each change is journalled
as an intent (action ``human-change``, the value seen, who made it) and a result, so restore
puts back exactly what changed, with the usual drift rules, and ``drillkit restore`` does the
same for a killed run.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from drillkit.adapters.ports import AccessCheck, region_of
from drillkit.core.controllers import api_path
from drillkit.core.faults import FaultText
from drillkit.core.faults import manual as text
from drillkit.core.human import HUMAN_ACTION
from drillkit.core.reverts import last_writer
from drillkit.core.sampling import status_interval
from drillkit.engine.faults.armwriter import modified_by as arm_writer
from drillkit.engine.faults.armwriter import profiles
from drillkit.engine.faults.base import FaultContext, Preview, RequiredAccess, World
from drillkit.engine.journal import Journal
from drillkit.engine.records import Intent, Item, JsonScalar, Mark, RunStarted
from drillkit.errors import AdapterError, DrillAborted, PreflightRefused
from drillkit.spec.model import Drill, ManualFault

log = structlog.get_logger()

NODE = "manual-node"
WORKLOAD = "manual-workload"
ENDPOINT = "manual-endpoint"
PROFILE = "manual-profile"
HUMAN = HUMAN_ACTION
"""The intent action of a change drillkit saw but did not make."""
TM_REGION = "global"
"""``Item.region`` of a profile (and of an endpoint that targets no region): Azure's."""
WRITE_ACTIONS = (
    "Microsoft.Network/trafficManagerProfiles/azureEndpoints/write",
    "Microsoft.Network/trafficManagerProfiles/externalEndpoints/write",
    "Microsoft.Network/trafficManagerProfiles/nestedEndpoints/write",
    "Microsoft.Network/trafficManagerProfiles/write",
)


@dataclass
class _Looks:
    """When one run last looked: at the profile tree (monotonic, for its budget; and wall) and
    at the clusters (wall)."""

    arm_mono: float | None = None
    arm_wall: float | None = None
    kube_wall: float | None = None


class NobodyActed(DrillAborted):
    """Nothing watched changed within the drill's bound: the drill ends, nothing changed."""


class Manual:
    """``type: manual``: items are what a person may change; none is changed by drillkit."""

    item_kinds = frozenset({NODE, WORKLOAD, ENDPOINT, PROFILE})

    def __init__(self) -> None:
        self._lock = threading.Lock()  # inject's wait and the holder both call watch
        self._looks: weakref.WeakKeyDictionary[Journal, _Looks] = weakref.WeakKeyDictionary()
        """When each run (by its journal) last looked at the clusters and at the tree."""

    def describe(self, fault: ManualFault, drill: Drill) -> FaultText:
        return text.describe(fault, drill)

    def required_access(self, fault: ManualFault, drill: Drill) -> RequiredAccess:
        """Read to watch; write what restore may have to put back."""
        ns = fault.namespace
        workloads = [
            AccessCheck(verb, resource, "apps", subresource, ns)
            for resource in ("deployments", "statefulsets")
            for verb, subresource in (("list", ""), ("get", ""), ("patch", "scale"))
        ]
        nodes = [AccessCheck(verb, "nodes") for verb in ("list", "get", "patch")]
        return RequiredAccess(
            kube=(*nodes, *workloads), azure=WRITE_ACTIONS, survivors=tuple(workloads)
        )

    def preview(self, fault: ManualFault, drill: Drill, world: World) -> Preview:
        return Preview()

    def snapshot(self, fault: ManualFault, drill: Drill, world: World) -> list[Item]:
        target = drill.target
        cluster = world.clusters[target]
        items = [_node(target, n.name, n.unschedulable) for n in cluster.list_nodes({})]
        items += [  # a runbook may scale the survivors up too: restore puts them back
            _workload(region, w.kind, w.namespace, w.name, w.replicas)
            for region in (target, *drill.survivors)
            for w in world.clusters[region].list_workloads(fault.namespace, fault.selector)
        ]
        ingresses = {name: r.targets for name, r in drill.regions.items()}
        for profile in profiles(world.tm.design()):
            items.append(_profile(profile.name, profile.status))
            items += [
                _endpoint(
                    profile.name,
                    e.type,
                    e.name,
                    e.endpoint_status,
                    region_of([e.target], ingresses) or TM_REGION,
                )
                for e in profile.endpoints
            ]
        if not items:
            raise PreflightRefused(
                f"nothing to watch in {target} or profile {drill.traffic_manager.profile}; "
                "nothing was changed"
            )
        return items

    def inject(
        self, fault: ManualFault, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        """Change nothing: show the page, then wait for the first change to a watched item."""
        journal = ctx.mutator.journal
        if fault.page is not None:
            paged = ctx.clock.wall()
            journal.append(Mark(name="paged", at=paged))
            if ctx.page is not None:  # after the journal: the time to act counts from ``paged``
                ctx.page(paged)
        log.info("drill.manual.waiting", instructions=fault.instructions, page=fault.page)
        limit = float(drill.abort.max_duration)
        interval = float(drill.observe.poll_interval)
        started = next(
            (r.mono for r in journal.records() if isinstance(r, RunStarted)), ctx.clock.monotonic()
        )  # abort.maxDuration bounds the whole drill: the wait is counted from its start
        while True:
            try:
                self.watch(fault, drill, items, ctx)
            except AdapterError as e:  # the next look tries again
                log.warning("drill.manual.watch_failed", error=str(e))
            if ctx.injected_at is not None:
                return
            if ctx.cancelled.is_set():
                raise DrillAborted("the wait for the first change was stopped; nothing changed")
            if ctx.clock.monotonic() - started >= limit:
                raise NobodyActed(
                    f"nobody acted: no change to the {len(items)} watched objects within "
                    f"abort.maxDuration ({drill.abort.max_duration}); nothing was changed"
                )
            if ctx.check is not None:
                ctx.check()  # the lock, the guards' alerts, the survivors' health
            ctx.clock.sleep(interval)

    def watch(
        self, fault: ManualFault, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        """Journal every watched item whose value differs from the last one seen. The profile
        tree is read at most once per status interval (ARM's read budget, as the observer's)."""
        with self._lock:
            seen = {i.what: i.value for i in items}
            for record in ctx.mutator.journal.records():
                if isinstance(record, Intent) and record.action == HUMAN and record.item in seen:
                    seen[record.item] = record.value
            profiles = sum(1 for i in items if i.kind == PROFILE)
            every = status_interval(drill.observe, max(profiles, 1))
            looks = self._looks.setdefault(ctx.mutator.journal, _Looks())
            mono, wall = ctx.clock.monotonic(), ctx.clock.wall()
            arm = looks.arm_mono is None or mono - looks.arm_mono >= every
            now = read_all(items, ctx.world, arm=arm)
            for item in items:
                if item.what in now and now[item.what] != seen[item.what]:
                    since = looks.arm_wall if item.kind in (ENDPOINT, PROFILE) else looks.kube_wall
                    self._record(item, now[item.what], ctx, wall if since is None else since)
            looks.kube_wall = wall
            if arm:
                looks.arm_mono, looks.arm_wall = mono, wall

    def _record(self, item: Item, value: JsonScalar, ctx: FaultContext, since: float) -> None:
        """Journal a change seen now that was not there at ``since`` (the previous look): the
        fault instant is the middle of that bracket."""
        try:
            by = self.reverted_by(item, ctx.world)
        except AdapterError:
            by = None
        ctx.mutator.do(
            HUMAN, lambda: None, item=item.what, region=item.region, value=value,
            reason=f"changed by {by}" if by else "changed by a writer nothing names",
        )  # fmt: skip
        log.info("drill.manual.changed", what=item.what, value=value, by=by)
        ctx.changed.add(item.what)
        if ctx.injected_at is None:
            ctx.injected_at = (since + ctx.clock.wall()) / 2
            ctx.mutator.journal.append(Mark(name="fault_injected", at=ctx.injected_at))

    def read(self, item: Item, world: World) -> JsonScalar:
        ref = item.ref
        if item.kind == NODE:
            node = world.clusters[item.region].get_node(ref["name"])
            return None if node is None else node.unschedulable
        if item.kind == WORKLOAD:
            w = world.clusters[item.region].get_workload(ref["kind"], ref["namespace"], ref["name"])
            return None if w is None else w.replicas
        return read_all([item], world).get(item.what)

    def hold(self, item: Item, world: World) -> bool:
        return True  # a person's change is theirs: drillkit never fights it

    def joined(
        self, fault: ManualFault, drill: Drill, items: Sequence[Item], world: World
    ) -> list[Item]:
        return []

    def reverted_by(self, item: Item, world: World) -> str | None:
        """Who last wrote the item's field: managedFields, or ARM's systemData."""
        ref = item.ref
        if item.kind == NODE:
            path, field = f"/api/v1/nodes/{ref['name']}", ("spec", "unschedulable")
        elif item.kind == WORKLOAD:
            path = api_path(ref["kind"], ref["namespace"], ref["name"])
            field = ("spec", "replicas")
        else:
            return modified_by(item, world)
        obj = world.clusters[item.region].get(path)
        if obj is None:
            return None
        writer = last_writer((obj.get("metadata") or {}).get("managedFields"), *field)
        return writer.describe() if writer is not None else None

    def undo(self, item: Item, world: World) -> None:
        ref, value = item.ref, item.value
        if item.kind == NODE:
            world.clusters[item.region].set_unschedulable(ref["name"], bool(value))
        elif item.kind == WORKLOAD and isinstance(value, int):
            world.clusters[item.region].set_replicas(
                ref["kind"], ref["namespace"], ref["name"], value
            )
        elif item.kind == ENDPOINT:
            world.tm.set_endpoint_status(
                ref["profile"], ref["type"], ref["name"], str(value), restore=True
            )
        elif item.kind == PROFILE:
            world.tm.set_profile_status(ref["profile"], str(value))
        else:
            raise ValueError(f"{item.what} is not something the manual fault watches")


FAULT = Manual()


def read_all(items: Sequence[Item], world: World, *, arm: bool = True) -> dict[str, JsonScalar]:
    """The current value of every item, with one list per cluster and one read of the tree
    (without ``arm``, only the Kubernetes items)."""
    kinds = {i.kind for i in items} - (set() if arm else {ENDPOINT, PROFILE})
    now: dict[str, JsonScalar] = {}
    for region in sorted({i.region for i in items if i.kind in (NODE, WORKLOAD)}):
        cluster = world.clusters[region]
        if any(i.kind == NODE and i.region == region for i in items):
            now |= {_node(region, n.name, None).what: n.unschedulable
                    for n in cluster.list_nodes({})}  # fmt: skip
        for namespace in sorted({i.ref["namespace"] for i in items if i.kind == WORKLOAD}):
            now |= {_workload(region, w.kind, w.namespace, w.name, None).what: w.replicas
                    for w in cluster.list_workloads(namespace, "")}  # fmt: skip
    if kinds & {ENDPOINT, PROFILE}:
        for profile in profiles(world.tm.design()):
            now[_profile(profile.name, None).what] = profile.status
            for e in profile.endpoints:
                now[_endpoint(profile.name, e.type, e.name, None, "").what] = e.endpoint_status
    # An object that went away reads None (a change).
    return {i.what: now.get(i.what) for i in items if i.kind in kinds}


def modified_by(item: Item, world: World) -> str | None:
    """ARM's ``systemData.lastModifiedBy`` of an endpoint or profile, where Azure gives it."""
    ref = item.ref
    endpoint = None if item.kind == PROFILE else (ref["type"], ref["name"])
    return arm_writer(world, ref["profile"], endpoint)


def _node(region: str, name: str, value: JsonScalar) -> Item:
    return Item(f"{region}/node/{name} spec.unschedulable", NODE, region, {"name": name}, value)


def _workload(region: str, kind: str, ns: str, name: str, value: JsonScalar) -> Item:
    ref = {"kind": kind, "namespace": ns, "name": name}
    return Item(f"{region}/{kind.lower()}/{ns}/{name} replicas", WORKLOAD, region, ref, value)


def _endpoint(profile: str, type_: str, name: str, value: JsonScalar, region: str) -> Item:
    ref = {"profile": profile, "type": type_, "name": name}
    what = f"tm/{profile}/{type_}/{name} endpointStatus"
    return Item(what, ENDPOINT, region or TM_REGION, ref, value)


def _profile(name: str, value: JsonScalar) -> Item:
    return Item(f"tm/{name} profileStatus", PROFILE, TM_REGION, {"profile": name}, value)
