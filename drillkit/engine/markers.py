"""Markers in the world (``core/markers.py``): written before each change, cleared after its
restore, read back by a scan that restores with no journal at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import structlog

from drillkit.adapters.ports import TrafficManager
from drillkit.core.markers import (
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
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import AdapterError

log = structlog.get_logger()


def _kube_target(item: Item) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of the Kubernetes object an item lives on, if any."""
    if item.kind == "node":
        return "Node", "", item.ref["name"]
    if item.kind == "workload":
        return item.ref["kind"], item.ref["namespace"], item.ref["name"]
    return None


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
        elif item.kind == "endpoint":
            self.world.tm.tag_profile(item.ref["profile"], marker_tags(marker))

    def clear(self, item: Item) -> None:
        """After a restore: remove the item's marker (best effort; a scan cleans up later)."""
        target = _kube_target(item)
        try:
            if target is not None:
                self.world.clusters[item.region].annotate(*target, cleared())
            elif item.kind == "endpoint":
                _clear_tag(self.world.tm, item)
        except (AdapterError, KeyError) as e:
            log.warning("drill.marker.clear_failed", item=item.what, error=str(e))


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


def scan(world: World, contexts: dict[str, str], *, profiles: bool = True) -> list[Found]:
    """Every marker on the clusters (``region -> context`` names them) and the profile tree.
    A damaged marker is reported as a marker of run ``?`` so that it still refuses a run."""
    found: list[Found] = []
    for region, cluster in sorted(world.clusters.items()):
        for obj in cluster.marked():
            where = f"{contexts.get(region, region)}/{obj.kind}/" + (
                f"{obj.namespace}/{obj.name}" if obj.namespace else obj.name
            )
            try:
                marker = read_annotations(obj.annotations)
            except MarkerError as e:
                log.warning("drill.marker.damaged", where=where, error=str(e))
                marker = Marker(obj.annotations.get("drillkit.dev/run", "?"), where, "?",
                                region, {}, None, None)  # fmt: skip
            if marker is not None:
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
