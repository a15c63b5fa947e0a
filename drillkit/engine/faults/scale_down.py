"""The scale-down fault: the target's matching Deployments and StatefulSets to 0 through /scale.

HPAs that target them are snapshotted (read-only items): an HPA whose minReplicas is above 0
does not act on a target at 0 replicas (Kubernetes' implicit maintenance-mode deactivation).
Argo CD, Flux and KEDA would scale them back: the snapshot refuses (``fault.controllers:
refuse``) or journals a pause item per controller (``pause``), paused before the scale-down and
resumed after it is undone (``engine/faults/controllers.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from drillkit.adapters.ports import AccessCheck
from drillkit.core.controllers import api_path
from drillkit.core.faults import FaultText
from drillkit.core.faults import scale_down as text
from drillkit.engine.faults.base import FaultContext, Preview, RequiredAccess, World
from drillkit.engine.faults.controllers import (
    PAUSE,
    field_writer,
    found_controllers,
    pause_items,
    pause_writer,
    paused_value,
    read_pause,
    write_pause,
)
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import PreflightRefused
from drillkit.spec.model import Drill, ScaleDownFault

WORKLOAD = "workload"
HPA = "hpa"
SCALED_TO = 0


class ScaleDown:
    """``type: scale-down``: items are workloads' replicas (``workload``) and HPA bounds
    (``hpa``, recorded only)."""

    item_kinds = frozenset({WORKLOAD, HPA, PAUSE})

    def describe(self, fault: ScaleDownFault, drill: Drill) -> FaultText:
        return text.describe(fault, drill)

    def required_access(self, fault: ScaleDownFault, drill: Drill) -> RequiredAccess:
        ns = fault.namespace
        checks = []
        for resource in ("deployments", "statefulsets"):
            checks += [
                AccessCheck("list", resource, "apps", namespace=ns),
                AccessCheck("get", resource, "apps", namespace=ns),
                AccessCheck("patch", resource, "apps", "scale", ns),
                AccessCheck("patch", resource, "apps", namespace=ns),  # the run's markers
            ]
        checks.append(AccessCheck("list", "horizontalpodautoscalers", "autoscaling", namespace=ns))
        # The snapshot lists KEDA's ScaledObjects to find a controller that would scale the
        # target back (faults/controllers.py): without this right the check would be blind.
        checks.append(AccessCheck("list", "scaledobjects", "keda.sh", namespace=ns))
        if fault.controllers_policy.policy == "pause":
            checks += [
                AccessCheck(verb, "scaledobjects", "keda.sh", namespace=ns)
                for verb in ("get", "patch")
            ]
            # A Flux object lives in its own namespace (often flux-system), which the drill
            # file does not name: these two are checked cluster-wide.
            for resource, group in (
                ("kustomizations", "kustomize.toolkit.fluxcd.io"),
                ("helmreleases", "helm.toolkit.fluxcd.io"),
            ):
                checks += [AccessCheck(verb, resource, group) for verb in ("get", "patch")]
            # A pause carries the run's markers; looking for them (a new run's preflight,
            # ``restore --scan``) lists the paused kinds in every namespace (engine/markers.py).
            checks += [
                AccessCheck("list", resource, group)
                for resource, group in (
                    ("scaledobjects", "keda.sh"),
                    ("kustomizations", "kustomize.toolkit.fluxcd.io"),
                    ("helmreleases", "helm.toolkit.fluxcd.io"),
                )
            ]
        return RequiredAccess(kube=tuple(checks))

    def preview(self, fault: ScaleDownFault, drill: Drill, world: World) -> Preview:
        return Preview()

    def snapshot(self, fault: ScaleDownFault, drill: Drill, world: World) -> list[Item]:
        target = drill.target
        cluster = world.clusters[target]
        workloads = cluster.list_workloads(fault.namespace, fault.selector)
        if not workloads:
            raise PreflightRefused(
                f"no Deployment or StatefulSet in {target}/{fault.namespace} matches "
                f"{fault.selector!r}; nothing was changed"
            )
        items = [
            Item(
                f"{target}/{w.kind.lower()}/{w.namespace}/{w.name} replicas",
                WORKLOAD,
                target,
                {"kind": w.kind, "namespace": w.namespace, "name": w.name},
                w.replicas,
            )
            for w in workloads
        ]
        names = {(w.kind, w.name) for w in workloads}
        items += [
            Item(
                f"{target}/hpa/{hpa.namespace}/{hpa.name} bounds",
                HPA,
                target,
                {"namespace": hpa.namespace, "name": hpa.name},
                f"{hpa.min_replicas}..{hpa.max_replicas}",
                mutable=False,
            )
            for hpa in cluster.list_hpas(fault.namespace)
            if (hpa.target_kind, hpa.target_name) in names
        ]
        found = found_controllers(fault, drill, world, workloads)
        return pause_items(fault, drill, world, found) + items

    def inject(
        self, fault: ScaleDownFault, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        cluster = ctx.world.clusters[drill.target]
        for item in items:
            if item.kind == PAUSE:
                paused = paused_value(item)
                ctx.change(item, "pause", paused, partial(write_pause, item, ctx.world, paused))
                continue
            if item.kind != WORKLOAD:
                continue
            ref = item.ref
            scale = partial(
                cluster.set_replicas, ref["kind"], ref["namespace"], ref["name"], SCALED_TO
            )
            ctx.change(item, "scale", SCALED_TO, scale)

    def read(self, item: Item, world: World) -> JsonScalar:
        if item.kind == PAUSE:
            return read_pause(item, world)
        if item.kind != WORKLOAD:
            return item.value
        ref = item.ref
        w = world.clusters[item.region].get_workload(ref["kind"], ref["namespace"], ref["name"])
        return None if w is None else w.replicas

    def hold(self, item: Item, world: World) -> bool:
        if item.kind == PAUSE:
            return self.read(item, world) == paused_value(item)
        return item.kind != WORKLOAD or self.read(item, world) == SCALED_TO

    def joined(
        self, fault: ScaleDownFault, drill: Drill, items: Sequence[Item], world: World
    ) -> list[Item]:
        return []

    def reverted_by(self, item: Item, world: World) -> str | None:
        if item.kind == PAUSE:
            writer = pause_writer(item, world)
        else:
            ref = item.ref
            path = api_path(ref["kind"], ref["namespace"], ref["name"])
            writer = field_writer(world.clusters[item.region], path, "spec", "replicas")
        return writer.describe() if writer is not None else None

    def undo(self, item: Item, world: World) -> None:
        if item.kind == PAUSE:
            write_pause(item, world, item.value)
            return
        if item.kind != WORKLOAD or not isinstance(item.value, int):
            raise ValueError(f"{item.what} is not something drillkit changes")
        ref = item.ref
        world.clusters[item.region].set_replicas(
            ref["kind"], ref["namespace"], ref["name"], item.value
        )


FAULT = ScaleDown()
