"""Controllers that would undo a scale-down, found from what the cluster says about a workload,
and how to pause each one (pure: the engine reads the objects, this decides).

- Argo CD tracks a resource by the annotation ``argocd.argoproj.io/tracking-id``
  (``<app>:<group>/<kind>:<namespace>/<name>``; argo-cd.readthedocs.io/en/stable/user-guide/
  resource_tracking/), or, with label tracking, by its instance label (``app.kubernetes.io/
  instance`` by default, which Helm charts set too: it is only used when configured). With
  selfHeal it syncs a drifted spec.replicas back (user-guide/auto_sync/); pausing it means
  ``spec.syncPolicy.automated.selfHeal: false`` on the Application.
- Flux labels what it applies ``kustomize.toolkit.fluxcd.io/name`` + ``/namespace`` (a
  Kustomization) or ``helm.toolkit.fluxcd.io/name`` + ``/namespace`` (a HelmRelease);
  ``spec.suspend: true`` suspends its reconciliation (fluxcd.io/flux/cmd/flux_suspend/).
- KEDA scales a ScaledObject's target back to minReplicaCount; the annotation
  ``autoscaling.keda.sh/paused-replicas: "0"`` holds the target at 0
  (keda.sh/docs/latest/reference/scaledobject-spec/).
- An HPA does not act on a target at 0 replicas ("implicit maintenance-mode deactivation",
  kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/): informational only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ARGO_TRACKING = "argocd.argoproj.io/tracking-id"
FLUX_KUSTOMIZATION = ("kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace")
FLUX_HELMRELEASE = ("helm.toolkit.fluxcd.io/name", "helm.toolkit.fluxcd.io/namespace")
KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas"

ControllerKind = Literal["argocd", "flux-kustomization", "flux-helmrelease", "keda", "hpa"]


@dataclass(frozen=True)
class WorkloadMeta:
    """What the cluster says about one selected workload."""

    namespace: str
    kind: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.kind.lower()}/{self.name}"


@dataclass(frozen=True)
class ScalerRef:
    """A KEDA ScaledObject or an HPA, and the workload it scales."""

    namespace: str
    name: str
    target_kind: str
    target_name: str
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Controller:
    """One controller that acts on a selected workload."""

    kind: ControllerKind
    namespace: str
    name: str
    workload: str
    fights: bool = True

    @property
    def label(self) -> str:
        what = {
            "argocd": "Argo CD Application",
            "flux-kustomization": "Flux Kustomization",
            "flux-helmrelease": "Flux HelmRelease",
            "keda": "KEDA ScaledObject",
            "hpa": "HorizontalPodAutoscaler",
        }[self.kind]
        return f"{what} {self.namespace}/{self.name}"

    def guidance(self) -> str:
        """The field or command that pauses it (or why it needs none)."""
        ns, name = self.namespace, self.name
        return {
            "argocd": f"set spec.syncPolicy.automated.selfHeal: false on Application {ns}/{name} "
            f"(argocd app set {name} --self-heal=false), or fault.controllers: "
            "{policy: pause, argocd: {kubeContext: <the Argo CD cluster>}}",
            "flux-kustomization": f"flux suspend kustomization {name} -n {ns} "
            "(spec.suspend: true), or fault.controllers: pause",
            "flux-helmrelease": f"flux suspend helmrelease {name} -n {ns} "
            "(spec.suspend: true), or fault.controllers: pause",
            "keda": f"kubectl annotate scaledobject {name} -n {ns} "
            f"{KEDA_PAUSED_REPLICAS}=0, or fault.controllers: pause",
            "hpa": "nothing to do: an HPA does not act on a target scaled to 0 replicas",
        }[self.kind]


def _argo_app(
    workload: WorkloadMeta, instance_label: str | None, argo_ns: str
) -> Controller | None:
    tracking = workload.annotations.get(ARGO_TRACKING)
    app = tracking.split(":", 1)[0] if tracking else None
    if app is None and instance_label:
        app = workload.labels.get(instance_label)
    if not app:
        return None
    namespace, _, name = app.rpartition("_")  # apps in any namespace: "<namespace>_<name>"
    return Controller("argocd", namespace or argo_ns, name, workload.key)


def _flux(workload: WorkloadMeta) -> list[Controller]:
    found = []
    for kind, (name_label, ns_label) in (
        ("flux-kustomization", FLUX_KUSTOMIZATION),
        ("flux-helmrelease", FLUX_HELMRELEASE),
    ):
        name = workload.labels.get(name_label)
        if name:
            namespace = workload.labels.get(ns_label, workload.namespace)
            found.append(Controller(kind, namespace, name, workload.key))  # type: ignore[arg-type]
    return found


def detect(
    workloads: list[WorkloadMeta],
    scaled_objects: list[ScalerRef],
    hpas: list[ScalerRef],
    *,
    argo_namespace: str = "argocd",
    argo_instance_label: str | None = None,
) -> list[Controller]:
    """Every controller acting on ``workloads``; ``fights`` is False for HPAs."""
    found: list[Controller] = []
    by_target = {(w.namespace, w.kind, w.name): w for w in workloads}
    for workload in workloads:
        argo = _argo_app(workload, argo_instance_label, argo_namespace)
        if argo is not None:
            found.append(argo)
        found.extend(_flux(workload))
    for so in scaled_objects:
        scaled = by_target.get((so.namespace, so.target_kind or "Deployment", so.target_name))
        if scaled is not None:
            found.append(Controller("keda", so.namespace, so.name, scaled.key))
    for hpa in hpas:
        scaled = by_target.get((hpa.namespace, hpa.target_kind, hpa.target_name))
        if scaled is not None:
            found.append(Controller("hpa", hpa.namespace, hpa.name, scaled.key, fights=False))
    return list(dict.fromkeys(found))


def refusal(controllers: list[Controller]) -> str:
    """The preflight message naming each fighting controller and how to pause it."""
    lines = [f"- {c.label} acts on {c.workload}: {c.guidance()}" for c in controllers if c.fights]
    return (
        "controllers would undo the scale-down, so the fault would not hold; nothing was "
        "changed. Pause them, or set fault.controllers: pause:\n" + "\n".join(lines)
    )


@dataclass(frozen=True)
class Pause:
    """The one field that pauses a controller: its object, path and paused value."""

    kind: str  # the custom resource kind: Kustomization, HelmRelease, ScaledObject, Application
    path: tuple[str, ...]
    value: object


PAUSES: dict[str, Pause] = {
    # fluxcd.io/flux/components/kustomize/kustomizations/ (.spec.suspend)
    "flux-kustomization": Pause("Kustomization", ("spec", "suspend"), True),
    # fluxcd.io/flux/components/helm/helmreleases/ (.spec.suspend)
    "flux-helmrelease": Pause("HelmRelease", ("spec", "suspend"), True),
    # keda.sh/docs/latest/reference/scaledobject-spec/: paused-replicas holds the target there
    "keda": Pause("ScaledObject", ("metadata", "annotations", KEDA_PAUSED_REPLICAS), "0"),
    # argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/ (syncPolicy.automated.selfHeal)
    "argocd": Pause("Application", ("spec", "syncPolicy", "automated", "selfHeal"), False),
}


def read_path(obj: object, path: tuple[str, ...]) -> object:
    """The value at ``path`` in a JSON object, None when any step is missing."""
    node = obj
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def merge_patch(path: tuple[str, ...], value: object) -> dict[str, object]:
    """A JSON merge patch (RFC 7386) setting ``path`` to ``value`` (None deletes it)."""
    patch: dict[str, object] = {path[-1]: value}
    for part in reversed(path[:-1]):
        patch = {part: patch}
    return patch


# kind -> (group/version, plural) of the objects drillkit reads and pauses
API = {
    "Deployment": ("apps/v1", "deployments"),
    "StatefulSet": ("apps/v1", "statefulsets"),
    "HorizontalPodAutoscaler": ("autoscaling/v1", "horizontalpodautoscalers"),
    "ScaledObject": ("keda.sh/v1alpha1", "scaledobjects"),
    "Kustomization": ("kustomize.toolkit.fluxcd.io/v1", "kustomizations"),
    "HelmRelease": ("helm.toolkit.fluxcd.io/v2", "helmreleases"),
    "Application": ("argoproj.io/v1alpha1", "applications"),
}


def api_path(kind: str, namespace: str, name: str = "") -> str:
    """The API path of a namespaced object (or of the list, without ``name``)."""
    group_version, plural = API[kind]
    path = f"/apis/{group_version}/namespaces/{namespace}/{plural}"
    return f"{path}/{name}" if name else path


def cluster_list_path(kind: str) -> str:
    """The API path that lists a namespaced kind in every namespace."""
    group_version, plural = API[kind]
    return f"/apis/{group_version}/{plural}"


def workload_meta(kind: str, obj: dict[str, object]) -> WorkloadMeta:
    """A served Deployment or StatefulSet as ``WorkloadMeta``."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return WorkloadMeta(
        str(meta.get("namespace", "")),
        kind,
        str(meta.get("name", "")),
        labels=dict(meta.get("labels") or {}),
        annotations=dict(meta.get("annotations") or {}),
    )


def scalers(listed: dict[str, object] | None) -> list[ScalerRef]:
    """The ScaledObjects or HPAs of a served list (None: the CRD is not installed)."""
    out = []
    items = (listed or {}).get("items")
    for obj in items if isinstance(items, list) else []:
        meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        out.append(
            ScalerRef(
                str(meta.get("namespace", "")),
                str(meta.get("name", "")),
                str(ref.get("kind") or "Deployment"),
                str(ref.get("name", "")),
                dict(meta.get("annotations") or {}),
            )
        )
    return out
