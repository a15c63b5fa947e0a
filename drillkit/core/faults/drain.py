"""The drain fault in words."""

from __future__ import annotations

from drillkit.core.faults.text import FaultText, selector_text
from drillkit.spec.model import DrainFault, Drill


def describe(fault: DrainFault, drill: Drill) -> FaultText:
    """Cordon the target's nodes and evict their pods, honouring PodDisruptionBudgets."""
    region = drill.regions[drill.target]
    selector = ",".join(f"{k}={v}" for k, v in fault.node_selector.items()) or "all nodes"
    notes: tuple[str, ...] = ()
    if not fault.node_selector:
        then = (
            "deleted, as a real outage would."
            if fault.on_blocked == "delete"
            else "left, and the drill aborts and restores."
        )
        notes = (
            "Draining every node of a region blocks on PodDisruptionBudgets by design: "
            f"after {fault.eviction_timeout} a blocked pod is {then}",
        )
    return FaultText(
        headline=(
            f"drain {selector} (evictionTimeout: {fault.eviction_timeout}, "
            f"onBlocked: {fault.on_blocked})"
        ),
        inject_summary=f"Cordon and drain the nodes of {drill.target}.",
        inject=(
            f"context {region.kube_context}: cordon nodes{selector_text(fault.node_selector)}",
            "evict every pod but DaemonSet and mirror pods and those of "
            + (
                f"namespaces other than {', '.join(fault.namespaces)}"
                if fault.namespaces is not None
                else f"{', '.join(fault.exclude_namespaces) or 'no namespace'} (excluded)"
            )
            + ", honouring PodDisruptionBudgets",
            "pods without a controller "
            + ("are evicted and lost (force)" if fault.force else "refuse the drill (fault.force)")
            + "; pods with emptyDir volumes "
            + (
                "are evicted, their data lost (deleteEmptyDirData)"
                if fault.delete_empty_dir_data
                else "refuse the drill (fault.deleteEmptyDirData)"
            )
            + "; drillkit's own pod is never evicted",
            "every poll interval until restore: nodes that join the selection (a cluster "
            "autoscaler's) are cordoned and drained too; a node uncordoned by someone else "
            + ("is cordoned again" if fault.on_revert == "reassert" else "stops the drill"),
            f"a blocked eviction retries until {fault.eviction_timeout}, then onBlocked: "
            f"{fault.on_blocked}",
        ),
        snapshot=(
            f"spec.unschedulable of the {drill.target} nodes{selector_text(fault.node_selector)}",
            "the pods on them (owner, node)",
        ),
        notes=notes,
    )
