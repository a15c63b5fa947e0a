"""Which pods a drain evicts, skips or refuses, as ``kubectl drain`` decides (pure).

kubectl drain (kubernetes.io/docs/reference/kubectl/generated/kubectl_drain/): "If there are
DaemonSet-managed pods, drain will not proceed without --ignore-daemonsets, and regardless it
will not delete any DaemonSet-managed pods"; "If there are any pods that are neither mirror
pods nor managed by a ReplicationController, ReplicaSet, DaemonSet, StatefulSet or Job, then
drain will not delete any pods unless you use --force"; --delete-emptydir-data: "Continue even
if there are pods using emptyDir (local data that will be deleted when the node is drained)".
drillkit always ignores DaemonSet pods (they are never evicted), excludes kube-system unless
told otherwise (AKS's own add-ons live there, github.com/Azure/AKS/issues/3384), and never
evicts its own pod.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

CONTROLLERS = {"ReplicaSet", "ReplicationController", "StatefulSet", "Job", "DaemonSet"}


@dataclass(frozen=True)
class PodFacts:
    """What the drain needs to know about one pod."""

    namespace: str
    name: str
    node: str
    owner_kind: str | None = None
    mirror: bool = False
    finished: bool = False
    empty_dir: bool = False
    own: bool = False  # drillkit's own pod

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class DrainPolicy:
    """The drill's drain settings (fault.namespaces, excludeNamespaces, force, ...)."""

    namespaces: Sequence[str] | None = None
    exclude_namespaces: Sequence[str] = ("kube-system",)
    force: bool = False
    delete_empty_dir_data: bool = False


@dataclass
class DrainPlan:
    """Pods to evict, pods left alone (and why), pods that block the drain (and why)."""

    evict: list[PodFacts] = field(default_factory=list)
    skipped: list[tuple[PodFacts, str]] = field(default_factory=list)
    refused: list[tuple[PodFacts, str]] = field(default_factory=list)

    @property
    def lost(self) -> list[PodFacts]:
        """Evicted pods nothing will recreate ("lost: no controller")."""
        return [p for p in self.evict if p.owner_kind not in CONTROLLERS]

    def refusal(self) -> str:
        lines = [f"- {pod.key} on {pod.node}: {why}" for pod, why in self.refused]
        return (
            "the drain would evict pods kubectl drain refuses; nothing was changed:\n"
            + "\n".join(lines)
        )


def plan_drain(pods: Sequence[PodFacts], policy: DrainPolicy) -> DrainPlan:
    """Sort every pod on the drained nodes into evict, skipped and refused."""
    plan = DrainPlan()
    for pod in pods:
        if pod.finished:
            plan.skipped.append((pod, "finished"))
        elif pod.mirror:
            plan.skipped.append((pod, "mirror pod (the kubelet owns it)"))
        elif pod.owner_kind == "DaemonSet":
            plan.skipped.append((pod, "DaemonSet pod"))
        elif policy.namespaces is not None and pod.namespace not in policy.namespaces:
            plan.skipped.append((pod, "namespace not in fault.namespaces"))
        elif policy.namespaces is None and pod.namespace in policy.exclude_namespaces:
            plan.skipped.append((pod, f"namespace {pod.namespace} excluded"))
        elif pod.own:
            plan.refused.append((pod, "drillkit's own pod: the drill would evict itself"))
        elif pod.owner_kind not in CONTROLLERS and not policy.force:
            plan.refused.append((pod, "no controller: it would not come back (fault.force)"))
        elif pod.empty_dir and not policy.delete_empty_dir_data:
            plan.refused.append(
                (pod, "emptyDir volume: its data would be lost (fault.deleteEmptyDirData)")
            )
        else:
            plan.evict.append(pod)
    return plan
