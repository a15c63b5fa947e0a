"""The world file's hostile parts: AKS realism, reconcilers that fight a fault, and stray pods.

Every part is described where the real product documents it; the kube twin's
``sandbox/kube/reconcilers/`` modules play them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drillkit.spec.durations import Duration


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Target(_Model):
    """A Deployment or StatefulSet a reconciler keeps at its declared replicas."""

    namespace: str = "shop"
    kind: Literal["Deployment", "StatefulSet"] = "Deployment"
    name: str


class Aks(_Model):
    """AKS realism: a system and a user node pool per region, and AKS's kube-system add-ons.

    Nodes carry ``kubernetes.azure.com/mode: system|user`` and ``agentpool``
    (learn.microsoft.com/azure/aks/use-system-pools); kube-system runs coredns,
    konnectivity-agent and metrics-server with the PodDisruptionBudgets AKS ships
    (github.com/Azure/AKS/issues/3384: coredns-pdb, konnectivity-agent, metrics-server-pdb).
    """

    enabled: bool = Field(
        True, description="Pools, pool labels and kube-system add-ons (off: plain nodes)."
    )
    system_nodes: int = Field(
        2, alias="systemNodes", ge=1, le=100, description="Nodes of each region's system pool."
    )
    system_pool: str = Field("systempool", alias="systemPool")
    user_pool: str = Field(
        "userpool", alias="userPool", description="The pool of a region's `nodes`."
    )
    addon_replicas: int = Field(
        2, alias="addonReplicas", ge=1, le=10, description="Replicas of each kube-system add-on."
    )


class ClusterAutoscaler(_Model):
    """Adds a node to a pool when a pod stays Pending longer than ``delay``, up to ``maxNodes``
    new nodes per region (learn.microsoft.com/azure/aks/cluster-autoscaler-overview)."""

    pool: Literal["user", "system"] = "user"
    delay: Duration = Field(Duration.parse("1s"), description="How long a pod must stay Pending.")
    max_nodes: int = Field(2, alias="maxNodes", ge=1, le=50)
    node_ready_delay: Duration = Field(
        Duration.parse("2s"),
        alias="nodeReadyDelay",
        description="A new node is NotReady (tainted node.kubernetes.io/not-ready) this long "
        "before its kubelet reports Ready and pods can be scheduled on it.",
    )


class GitOps(_Model):
    """An Argo CD Application with automated sync and selfHeal over ``workloads``
    (argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/)."""

    application: str = "shop"
    namespace: str = Field("argocd", description="Where the Application object lives.")
    self_heal: bool = Field(True, alias="selfHeal")
    tracking: Literal["annotation", "label"] = Field(
        "annotation",
        description="annotation: argocd.argoproj.io/tracking-id (Argo CD's default); label: "
        "app.kubernetes.io/instance (label tracking, which Helm charts set too).",
    )
    delay: Duration = Field(
        Duration.parse("1s"), description="Drift lasts this long before self-heal reverts it."
    )
    workloads: list[Target] = Field(default_factory=lambda: [Target(name="web")])


class ScaledObject(_Model):
    """A KEDA ScaledObject (keda.sh/docs/latest/reference/scaledobject-spec/)."""

    name: str
    namespace: str = "shop"
    target: Target
    min_replica_count: int = Field(1, alias="minReplicaCount", ge=0)
    max_replica_count: int = Field(10, alias="maxReplicaCount", ge=1)


class Keda(_Model):
    """The KEDA operator: keeps each target at least at minReplicaCount unless paused."""

    polling_interval: Duration = Field(Duration.parse("500ms"), alias="pollingInterval")
    scaled_objects: list[ScaledObject] = Field(
        default_factory=lambda: [
            ScaledObject(name="web", target=Target(name="web"), min_replica_count=3)
        ],
        alias="scaledObjects",
    )


class Flux(_Model):
    """A Flux Kustomization that re-applies ``workloads`` every ``interval`` unless suspended
    (fluxcd.io/flux/components/kustomize/kustomizations/)."""

    kustomization: str = "shop"
    namespace: str = "flux-system"
    interval: Duration = Field(Duration.parse("1s"))
    workloads: list[Target] = Field(default_factory=lambda: [Target(name="web")])


class Reconcilers(_Model):
    """Controllers that undo a fault, each opt-in."""

    cluster_autoscaler: ClusterAutoscaler | None = Field(None, alias="clusterAutoscaler")
    gitops: GitOps | None = None
    keda: Keda | None = None
    flux: Flux | None = None


class Strays(_Model):
    """Pods kubectl drain refuses without --force or --delete-emptydir-data."""

    namespace: str = "shop"
    unmanaged_pod: bool = Field(
        True, alias="unmanagedPod", description="A bare pod `debug-shell`: nothing recreates it."
    )
    empty_dir_pod: bool = Field(
        True,
        alias="emptyDirPod",
        description="A Deployment `scratch` whose pod keeps data in an emptyDir volume.",
    )
