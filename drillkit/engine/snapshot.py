"""What a drill will change, as recorded before the first mutation, and how to read and put back
each item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drillkit.adapters.ports import Cluster, TmEndpoint, TrafficManager, region_of
from drillkit.engine.records import Item
from drillkit.errors import PreflightRefused
from drillkit.spec.model import Drill


@dataclass
class Snapshot:
    """Every item, in the order the drill will change them."""

    items: list[Item] = field(default_factory=list)


def endpoints_by_region(
    endpoints: list[TmEndpoint], ingresses: dict[str, str]
) -> dict[str, list[TmEndpoint]]:
    """Leaf endpoints grouped by the region whose ingress they target."""
    result: dict[str, list[TmEndpoint]] = {region: [] for region in ingresses}
    for endpoint in endpoints:
        if endpoint.type == "NestedEndpoints":
            continue
        region = region_of([endpoint.target], ingresses)
        if region is not None:
            result[region].append(endpoint)
    return result


def take_snapshot(drill: Drill, clusters: dict[str, Cluster], tm: TrafficManager) -> Snapshot:
    """Read everything the drill's fault will change in the target region."""
    fault = drill.fault
    target = drill.target
    cluster = clusters[target]
    items: list[Item] = []
    if fault.type == "drain":
        for node in cluster.list_nodes(dict(fault.node_selector)):
            items.append(
                Item(
                    f"{target}/node/{node.name} spec.unschedulable",
                    "node",
                    target,
                    {"name": node.name},
                    node.unschedulable,
                )
            )
        if not items:
            raise PreflightRefused(
                f"no node in region {target} matches nodeSelector {dict(fault.node_selector)}; "
                "nothing was changed"
            )
    elif fault.type == "scale-down":
        workloads = cluster.list_workloads(fault.namespace, fault.selector)
        if not workloads:
            raise PreflightRefused(
                f"no Deployment or StatefulSet in {target}/{fault.namespace} matches "
                f"{fault.selector!r}; nothing was changed"
            )
        for w in workloads:
            items.append(
                Item(
                    f"{target}/{w.kind.lower()}/{w.namespace}/{w.name} replicas",
                    "workload",
                    target,
                    {"kind": w.kind, "namespace": w.namespace, "name": w.name},
                    w.replicas,
                )
            )
        names = {(w.kind, w.name) for w in workloads}
        for hpa in cluster.list_hpas(fault.namespace):
            if (hpa.target_kind, hpa.target_name) in names:
                items.append(
                    Item(
                        f"{target}/hpa/{hpa.namespace}/{hpa.name} bounds",
                        "hpa",
                        target,
                        {"namespace": hpa.namespace, "name": hpa.name},
                        f"{hpa.min_replicas}..{hpa.max_replicas}",
                        mutable=False,
                    )
                )
    else:
        ingresses = {name: r.ingress for name, r in drill.regions.items()}
        endpoints = tm.endpoints()
        chosen = (
            [e for e in endpoints if e.name in fault.endpoints and e.type != "NestedEndpoints"]
            if fault.endpoints
            else endpoints_by_region(endpoints, ingresses)[target]
        )
        if not chosen:
            raise PreflightRefused(
                f"no Traffic Manager endpoint targets {drill.regions[target].ingress}; "
                "nothing was changed: check regions.<target>.ingress against the endpoints' targets"
            )
        for e in chosen:
            items.append(
                Item(
                    f"tm/{e.key} endpointStatus",
                    "endpoint",
                    target,
                    {"profile": e.profile, "type": e.type, "name": e.name},
                    e.endpoint_status,
                )
            )
    return Snapshot(items)


def read_value(item: Item, clusters: dict[str, Cluster], tm: TrafficManager) -> Any:
    """The item's current value; None when the thing no longer exists."""
    if item.kind == "node":
        node = clusters[item.region].get_node(item.ref["name"])
        return None if node is None else node.unschedulable
    if item.kind == "workload":
        ref = item.ref
        w = clusters[item.region].get_workload(ref["kind"], ref["namespace"], ref["name"])
        return None if w is None else w.replicas
    if item.kind == "endpoint":
        wanted = (item.ref["profile"], item.ref["type"], item.ref["name"])
        for e in tm.endpoints():
            if (e.profile, e.type, e.name) == wanted:
                return e.endpoint_status
        return None
    return item.value


def write_value(item: Item, value: Any, clusters: dict[str, Cluster], tm: TrafficManager) -> None:
    """Set the item to ``value``."""
    if item.kind == "node":
        clusters[item.region].set_unschedulable(item.ref["name"], bool(value))
    elif item.kind == "workload":
        clusters[item.region].set_replicas(
            item.ref["kind"], item.ref["namespace"], item.ref["name"], int(value)
        )
    elif item.kind == "endpoint":
        tm.set_endpoint_status(item.ref["profile"], item.ref["type"], item.ref["name"], str(value))
    else:
        raise ValueError(f"{item.what} is not something drillkit changes")
