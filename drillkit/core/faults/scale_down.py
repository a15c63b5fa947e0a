"""The scale-down fault in words."""

from __future__ import annotations

from drillkit.core.faults.text import FaultText
from drillkit.spec.model import Drill, ScaleDownFault

HPA_DOC = (
    "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/"
    "#implicit-maintenance-mode-deactivation"
)


def describe(fault: ScaleDownFault, drill: Drill) -> FaultText:
    """Scale the target's matching workloads to zero; HPAs are recorded, never changed."""
    region = drill.regions[drill.target]
    return FaultText(
        headline=f"scale-down {fault.namespace}/{fault.selector} to 0",
        inject_summary=f"Scale the {drill.target} workloads to zero.",
        inject=(
            f"context {region.kube_context}: namespace {fault.namespace}, selector "
            f"{fault.selector}",
            "scale through /scale to 0; HorizontalPodAutoscalers are left as they are: an HPA "
            "whose minReplicas is above 0 stops adjusting a target scaled to 0 (Kubernetes' "
            "implicit maintenance-mode deactivation) until the replicas are put back",
        ),
        snapshot=(
            f"replicas of Deployments and StatefulSets in {fault.namespace} matching "
            f"{fault.selector}",
            "minReplicas/maxReplicas of HPAs that target them (recorded, not changed)",
        ),
        notes=(
            "Argo CD (tracking-id annotation), Flux (kustomize/helm toolkit labels) and KEDA "
            "ScaledObjects over these workloads would scale them back: "
            + (
                "drillkit pauses them for the drill and resumes them on restore "
                "(fault.controllers: pause)."
                if fault.controllers_policy.policy == "pause"
                else "the drill refuses to start while they act (fault.controllers: refuse)."
            ),
            "If something scales a workload back up anyway, "
            + (
                "drillkit scales it down again and counts the revert; the RTO is then contested "
                "(fault.onRevert: reassert)."
                if fault.on_revert == "reassert"
                else "the drill stops and restores, naming who did it from managedFields "
                "(fault.onRevert: abort)."
            ),
            "An HPA with minReplicas 0 (the HPAScaleToZero feature) keeps acting on a target "
            f"at 0 replicas and may scale it back up during the drill ({HPA_DOC}).",
        ),
    )
