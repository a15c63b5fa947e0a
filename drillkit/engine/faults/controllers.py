"""The controllers that would undo a scale-down: found at snapshot, refused or paused, and
named when one reverts the fault anyway (the scale-down fault owns these items).

A pause is an ``Item`` of kind ``controller-pause``: the one field that pauses the controller
(``core.controllers.PAUSES``), its value before the drill, and where it lives (``Item.region``:
the target region, or ``argocd`` for Applications reached through
``fault.controllers.argocd.kubeContext``). Inject writes the paused value, restore the old one
(a field that was absent is removed again).
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from drillkit.adapters.ports import Objects, WorkloadState
from drillkit.core.controllers import (
    PAUSES,
    Controller,
    api_path,
    detect,
    merge_patch,
    read_path,
    refusal,
    scalers,
    workload_meta,
)
from drillkit.core.reverts import FieldWriter, last_writer
from drillkit.engine.faults.base import World
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import AdapterError, PreflightRefused
from drillkit.spec.model import Drill, ScaleDownFault

log = structlog.get_logger()
PAUSE = "controller-pause"
ARGOCD = "argocd"


def _objects(world: World, where: str) -> Objects:
    if where == ARGOCD:
        if world.argocd is None:
            raise PreflightRefused(
                "drillkit cannot reach the cluster Argo CD runs in "
                f"(fault.controllers.argocd.kubeContext): {world.argocd_error or 'not set'}; "
                "nothing was changed"
            )
        return world.argocd
    return world.clusters[where]


def _readable(objects: Objects, path: str) -> dict[str, object] | None:
    """A list drillkit may not be allowed to read (least-privilege roles): None, logged."""
    try:
        return objects.get(path)
    except AdapterError as e:
        if getattr(e, "status", None) != 403:
            raise
        log.warning("drill.snapshot.controllers_unreadable", path=path, error=str(e))
        return None


def found_controllers(
    fault: ScaleDownFault, drill: Drill, world: World, workloads: Sequence[WorkloadState]
) -> list[Controller]:
    """Every controller acting on the selected workloads (HPAs included, as non-fighting)."""
    objects = world.clusters[drill.target]
    metas = []
    for w in workloads:
        obj = objects.get(api_path(w.kind, w.namespace, w.name))
        if obj is not None:
            metas.append(workload_meta(w.kind, obj))
    policy = fault.controllers_policy
    argo = policy.argocd
    return detect(
        metas,
        scalers(_readable(objects, api_path("ScaledObject", fault.namespace))),
        scalers(_readable(objects, api_path("HorizontalPodAutoscaler", fault.namespace))),
        argo_namespace=argo.namespace if argo else "argocd",
        argo_instance_label=argo.instance_label if argo else None,
    )


def pause_items(
    fault: ScaleDownFault, drill: Drill, world: World, controllers: Sequence[Controller]
) -> list[Item]:
    """Refuse (policy refuse), or one pause item per fighting controller not paused already."""
    fighting = [c for c in controllers if c.fights]
    if not fighting:
        return []
    policy = fault.controllers_policy
    if policy.policy == "refuse":
        raise PreflightRefused(refusal(list(controllers)))
    items = []
    for controller in dict.fromkeys(fighting):
        pause = PAUSES[controller.kind]
        where = drill.target
        if controller.kind == "argocd":
            if policy.argocd is None:
                raise PreflightRefused(
                    f"{controller.label} would sync {controller.workload} back, and drillkit "
                    "does not know where Argo CD runs: set fault.controllers.argocd.kubeContext "
                    "to its cluster's context (or pause it yourself: "
                    f"{controller.guidance()}); nothing was changed"
                )
            where = ARGOCD
        path = api_path(pause.kind, controller.namespace, controller.name)
        try:
            obj = _objects(world, where).get(path)
        except AdapterError as e:
            raise PreflightRefused(
                f"cannot read {controller.label} to pause it ({e}); pause it yourself: "
                f"{controller.guidance()}; nothing was changed"
            ) from e
        if obj is None:
            raise PreflightRefused(
                f"{controller.label} is not found where drillkit looked ({where}); pause it "
                f"yourself: {controller.guidance()}; nothing was changed"
            )
        current = read_path(obj, pause.path)
        if current == pause.value:
            continue  # paused already: nothing to change, nothing to undo
        if controller.kind == "argocd" and current is not True:
            continue  # no selfHeal: Argo CD only reports the drift
        items.append(
            Item(
                f"{where}/{pause.kind.lower()}/{controller.namespace}/{controller.name} "
                + ".".join(pause.path),
                PAUSE,
                where,
                {
                    "controller": controller.kind,
                    "kind": pause.kind,
                    "namespace": controller.namespace,
                    "name": controller.name,
                },
                current if isinstance(current, (bool, int, float, str)) else None,
            )
        )
    return items


def _path(item: Item) -> tuple[str, str, tuple[str, ...]]:
    pause = PAUSES[item.ref["controller"]]
    return (
        item.region,
        api_path(item.ref["kind"], item.ref["namespace"], item.ref["name"]),
        pause.path,
    )


def paused_value(item: Item) -> JsonScalar:
    value = PAUSES[item.ref["controller"]].value
    return value if isinstance(value, (bool, str)) else None


def read_pause(item: Item, world: World) -> JsonScalar:
    where, path, field = _path(item)
    value = read_path(_objects(world, where).get(path), field)
    return value if isinstance(value, (bool, int, float, str)) else None


def write_pause(item: Item, world: World, value: JsonScalar) -> None:
    where, path, field = _path(item)
    _objects(world, where).patch(path, merge_patch(field, value))


def field_writer(objects: Objects, path: str, *field: str) -> FieldWriter | None:
    """Who last wrote a field of the object at ``path``, from its managedFields."""
    obj = objects.get(path)
    if obj is None:
        return None
    return last_writer((obj.get("metadata") or {}).get("managedFields"), *field)


def pause_writer(item: Item, world: World) -> FieldWriter | None:
    """Who last wrote a pause field (someone resumed the controller during the drill)."""
    where, path, field = _path(item)
    return field_writer(_objects(world, where), path, *field)
