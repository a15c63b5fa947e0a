"""The manual fault in words: what the person is asked to do, and what drillkit watches."""

from __future__ import annotations

from drillkit.core.faults.text import FaultText
from drillkit.spec.model import Drill, ManualFault


def watched(fault: ManualFault, drill: Drill) -> tuple[str, ...]:
    """What the snapshot records and the watch reads back, one line per kind of object."""
    selector = f" matching {fault.selector}" if fault.selector else ""
    target = drill.target
    return (
        f"spec.unschedulable of every node in {target}",
        f"replicas of the Deployments and StatefulSets in {fault.namespace}{selector} in "
        + ", ".join([target, *drill.survivors]),
        f"endpointStatus of every endpoint and profileStatus of every profile under "
        f"{drill.traffic_manager.profile}",
    )


def describe(fault: ManualFault, drill: Drill) -> FaultText:
    """A person causes the outage; drillkit times it, measures, and puts back what changed."""
    since = "the page" if fault.page else "the drill's start"
    page = (f"page shown when the drill is ready: {fault.page}",) if fault.page else ()
    return FaultText(
        headline=f"manual: {fault.instructions}",
        inject_summary=(
            f"drillkit changes nothing: you cause the outage of {drill.target} by hand, and the "
            "first change it sees is the fault."
        ),
        inject=(
            *page,
            f"you are asked to: {fault.instructions}",
            f"drillkit watches every {drill.observe.poll_interval}: "
            + "; ".join(watched(fault, drill)),
            f"the first change is the fault, timed at the middle between the last look that saw "
            f"nothing and the look that saw it; the time to act is measured from {since}",
            "every later change is recorded too, with who made it (managedFields; ARM's "
            "systemData.lastModifiedBy where Azure returns it)",
            f"nobody acts within abort.maxDuration ({drill.abort.max_duration}): the drill "
            "ends, aborted, with nothing changed",
        ),
        snapshot=watched(fault, drill),
        ask=(
            *((f"PAGE: {fault.page}",) if fault.page else ()),
            f"YOUR TURN: {fault.instructions}",
            f"drillkit changes nothing and is watching; the first change it sees is the fault "
            f"(it waits at most abort.maxDuration, {drill.abort.max_duration}).",
        ),
        notes=(
            "Restore puts back whatever changed from the snapshot, with the usual drift rules: "
            "a value someone changed again after drillkit saw it is left alone.",
            "Objects outside the snapshot (other namespaces, other profiles) are never touched.",
        ),
    )
