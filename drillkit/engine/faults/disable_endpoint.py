"""The disable-endpoint fault: the target region's Traffic Manager endpoints to Disabled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from drillkit.adapters.ports import TmEndpoint, region_of
from drillkit.core.faults import FaultText
from drillkit.core.faults import disable_endpoint as text
from drillkit.engine.faults.armwriter import modified_by
from drillkit.engine.faults.base import FaultContext, Preview, RequiredAccess, World
from drillkit.engine.records import Item, JsonScalar
from drillkit.errors import PreflightRefused
from drillkit.spec.model import DisableEndpointFault, Drill

ENDPOINT = "endpoint"
DISABLED = "Disabled"
# Endpoints_Update is a write on the endpoint's type; nested endpoints are never disabled.
WRITE_ACTIONS = (
    "Microsoft.Network/trafficManagerProfiles/azureEndpoints/write",
    "Microsoft.Network/trafficManagerProfiles/externalEndpoints/write",
    "Microsoft.Network/trafficManagerProfiles/write",  # the run's marker tags on the profile
)


def endpoints_by_region(
    endpoints: list[TmEndpoint], ingresses: Mapping[str, str | Sequence[str]]
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


class DisableEndpoint:
    """``type: disable-endpoint``: items are endpoints' ``endpointStatus`` (``endpoint``)."""

    item_kinds = frozenset({ENDPOINT})

    def describe(self, fault: DisableEndpointFault, drill: Drill) -> FaultText:
        return text.describe(fault, drill)

    def required_access(self, fault: DisableEndpointFault, drill: Drill) -> RequiredAccess:
        return RequiredAccess(azure=WRITE_ACTIONS)

    def preview(self, fault: DisableEndpointFault, drill: Drill, world: World) -> Preview:
        return Preview()

    def snapshot(self, fault: DisableEndpointFault, drill: Drill, world: World) -> list[Item]:
        target = drill.target
        ingresses = {name: r.targets for name, r in drill.regions.items()}
        endpoints = world.tm.endpoints()
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
        return [
            Item(
                f"tm/{e.key} endpointStatus",
                ENDPOINT,
                target,
                {"profile": e.profile, "type": e.type, "name": e.name},
                e.endpoint_status,
            )
            for e in chosen
        ]

    def inject(
        self, fault: DisableEndpointFault, drill: Drill, items: Sequence[Item], ctx: FaultContext
    ) -> None:
        for item in items:
            ctx.change(item, "endpoint-status", DISABLED, partial(_set, ctx.world, item, DISABLED))

    def read(self, item: Item, world: World) -> JsonScalar:
        wanted = (item.ref["profile"], item.ref["type"], item.ref["name"])
        for e in world.tm.endpoints():
            if (e.profile, e.type, e.name) == wanted:
                return e.endpoint_status
        return None

    def hold(self, item: Item, world: World) -> bool:
        return self.read(item, world) == DISABLED

    def joined(
        self, fault: DisableEndpointFault, drill: Drill, items: Sequence[Item], world: World
    ) -> list[Item]:
        return []

    def reverted_by(self, item: Item, world: World) -> str | None:
        """ARM keeps no managedFields: its ``systemData.lastModifiedBy`` names the writer."""
        return modified_by(world, item.ref["profile"], (item.ref["type"], item.ref["name"]))

    def undo(self, item: Item, world: World) -> None:
        _set(world, item, str(item.value), restore=True)  # outlasts ARM throttling for longer


def _set(world: World, item: Item, status: str, *, restore: bool = False) -> None:
    ref = item.ref
    world.tm.set_endpoint_status(ref["profile"], ref["type"], ref["name"], status, restore=restore)


FAULT = DisableEndpoint()
