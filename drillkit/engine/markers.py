"""Markers in the world (``core/markers.py``): written before each change, cleared after its
restore, read back by a scan that restores with no journal at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import structlog

from drillkit.adapters.ports import MarkedObject, Objects, TrafficManager
from drillkit.core.controllers import PAUSES, api_path, cluster_list_path
from drillkit.core.markers import (
    RUN,
    Marker,
    MarkerError,
    cleared,
    marker_annotations,
    marker_tags,
    read_annotations,
    read_tags,
    tag_name,
)
from drillkit.engine.faults import World
from drillkit.engine.faults.controllers import ARGOCD, PAUSE
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import AdapterError
from drillkit.spec.model import Drill, ScaleDownFault

log = structlog.get_logger()


def _kube_target(item: Item) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of the Kubernetes object an item lives on, if any."""
    if item.kind == "node":
        return "Node", "", item.ref["name"]
    if item.kind == "workload":
        return item.ref["kind"], item.ref["namespace"], item.ref["name"]
    return None


def _pause_target(world: World, item: Item) -> tuple[Objects, str]:
    """Where a controller pause lives (the region's cluster, or Argo CD's) and its API path."""
    objects = world.argocd if item.region == ARGOCD else world.clusters[item.region]
    if objects is None:
        raise KeyError(f"the cluster Argo CD runs in is not reachable ({item.what})")
    ref = item.ref
    return objects, api_path(ref["kind"], ref["namespace"], ref["name"])


def _marker(run_id: str, item: Item, written: JsonScalar) -> Marker:
    return Marker(run_id, item.what, item.kind, item.region, dict(item.ref), item.value, written)


class MarkerWriter:
    """Marks and clears the objects one run changes."""

    def __init__(self, world: World, run_id: str) -> None:
        self.world = world
        self.run_id = run_id

    def mark(self, item: Item, written: JsonScalar) -> None:
        """Before a change: the object says which run changes it, and what it was."""
        marker = _marker(self.run_id, item, written)
        target = _kube_target(item)
        if target is not None:
            self.world.clusters[item.region].annotate(*target, marker_annotations(marker))
        elif item.kind == PAUSE:
            objects, path = _pause_target(self.world, item)
            objects.patch(path, {"metadata": {"annotations": marker_annotations(marker)}})
        elif item.kind == "endpoint":
            self.world.tm.tag_profile(item.ref["profile"], marker_tags(marker))

    def clear(self, item: Item) -> None:
        """After a restore: remove the item's marker (best effort; a scan cleans up later)."""
        target = _kube_target(item)
        try:
            if target is not None:
                self.world.clusters[item.region].annotate(*target, cleared())
            elif item.kind == PAUSE:
                _clear_pause(self.world, item)
            elif item.kind == "endpoint":
                _clear_tag(self.world.tm, item)
        except (AdapterError, KeyError) as e:
            log.warning("drill.marker.clear_failed", item=item.what, error=str(e))


def _clear_pause(world: World, item: Item) -> None:
    """Remove the marker from a paused controller's object (no write when it has none)."""
    objects, path = _pause_target(world, item)
    obj = objects.get(path)
    annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
    if set(annotations) & set(cleared()):
        objects.patch(path, {"metadata": {"annotations": cleared()}})


def marked_controllers(objects: Objects, kinds: Iterable[str]) -> list[MarkedObject]:
    """Every object of the controller kinds drillkit pauses (``core.controllers.PAUSES``), in
    every namespace, that carries a run marker. A kind the cluster does not serve (no CRD: 404)
    or that drillkit may not list (403: a least-privilege role of a drill that pauses nothing)
    is skipped, logged at debug level (both are the usual case, and a refusal must not read
    "forbidden"): the marker of a run that paused it is then not seen from here."""
    found: list[MarkedObject] = []
    for kind in kinds:
        try:
            listed = objects.get(cluster_list_path(kind))
        except AdapterError as e:
            if getattr(e, "status", None) not in (403, 404):
                raise
            log.debug("drill.marker.controllers_unlisted", kind=kind, error=str(e))
            continue
        items = (listed or {}).get("items")
        for obj in items if isinstance(items, list) else []:
            meta = obj.get("metadata") or {}
            annotations = dict(meta.get("annotations") or {})
            if RUN in annotations:
                found.append(MarkedObject(
                    kind, str(meta.get("namespace") or ""), str(meta.get("name") or ""),
                    annotations))  # fmt: skip
    return found


PAUSED_KINDS = tuple(dict.fromkeys(p.kind for p in PAUSES.values()))
"""Kinds a controller pause marks: Kustomization, HelmRelease, ScaledObject, Application."""


def _clear_tag(tm: TrafficManager, item: Item) -> None:
    profile = item.ref["profile"]
    tags = tm.profile_tags().get(profile, {})
    name = tag_name(item.what)
    if name not in tags:
        return
    others = [k for k in tags if k.startswith("drillkit-") and k not in (name, "drillkit-run")]
    removal: dict[str, str | None] = {name: None}
    if not others:
        removal["drillkit-run"] = None
    tm.tag_profile(profile, removal)


@dataclass(frozen=True, slots=True)
class Found:
    """A marker found in the world, and where."""

    marker: Marker
    where: str
    """``context/Kind/namespace/name`` or ``profile/NAME``."""
    region: str = ""
    """The key of the cluster it was found on (``World.clusters``); empty for the profile."""


def marker_contexts(drill: Drill) -> dict[str, str]:
    """How a scan names where a marker is: each region's kube context, and Argo CD's."""
    names = {region: spec.kube_context for region, spec in drill.regions.items()}
    if isinstance(drill.fault, ScaleDownFault) and drill.fault.controllers_policy.argocd:
        names[ARGOCD] = drill.fault.controllers_policy.argocd.kube_context
    return names


def scan(world: World, contexts: dict[str, str], *, profiles: bool = True) -> list[Found]:
    """Every marker on the clusters (``region -> context`` names them) and the profile tree.
    A damaged marker is reported as a marker of run ``?`` so that it still refuses a run."""
    found: list[Found] = []
    sources: list[tuple[str, list[MarkedObject]]] = [
        (region, cluster.marked() + marked_controllers(cluster, PAUSED_KINDS))
        for region, cluster in sorted(world.clusters.items())
    ]
    if world.argocd is not None:  # fault.controllers.argocd.kubeContext: its Applications
        sources.append((ARGOCD, marked_controllers(world.argocd, ["Application"])))
    seen: set[tuple[str, str]] = set()
    for region, marked in sources:
        for obj in marked:
            where = f"{contexts.get(region, region)}/{obj.kind}/" + (
                f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name
            )
            try:
                marker = read_annotations(obj.annotations)
            except MarkerError as e:
                log.warning("drill.marker.damaged", where=where, error=str(e))
                marker = Marker(obj.annotations.get(RUN, "?"), where, "?",
                                region, {}, None, None)  # fmt: skip
            if marker is None or (marker.run_id, marker.what) in seen:
                continue  # Argo CD's cluster may also be one of the regions: one marker once
            seen.add((marker.run_id, marker.what))
            found.append(Found(marker, where, region))
    if profiles:
        for profile, tags in sorted(world.tm.profile_tags().items()):
            try:
                found += [Found(m, f"profile/{profile}") for m in read_tags(tags)]
            except MarkerError as e:
                log.warning("drill.marker.damaged", where=f"profile/{profile}", error=str(e))
                found.append(Found(Marker(tags.get("drillkit-run", "?"), profile, "?", "", {},
                                          None, None), f"profile/{profile}"))  # fmt: skip
    return found


def foreign(found: Iterable[Found], run_id: str) -> list[str]:
    """One line per marker another run left behind (a run that did not restore)."""
    return [
        f"{f.where} carries the markers of run {f.marker.run_id}"
        for f in found
        if f.marker.run_id != run_id
    ]


def item_of(found: Found) -> Item:
    """The journal item a marker stands for, in the region (cluster) it was found in."""
    m = found.marker
    return Item(m.what, m.kind, found.region or m.region, dict(m.ref), m.original)
