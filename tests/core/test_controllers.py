"""Detection of the controllers that would undo a scale-down, and the guidance to pause them."""

from __future__ import annotations

from drillkit.core.controllers import Controller, ScalerRef, WorkloadMeta, detect, refusal

WEB = WorkloadMeta("shop", "Deployment", "web")


def test_argo_cd_tracking_annotation_names_the_application() -> None:
    """The tracking-id annotation names the Application (argo-cd.readthedocs.io/en/stable/
    user-guide/resource_tracking/: "Argo CD uses the argocd.argoproj.io/tracking-id annotation
    to track application resources")."""
    web = WorkloadMeta(
        "shop",
        "Deployment",
        "web",
        annotations={"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/web"},
    )
    assert detect([web], [], []) == [Controller("argocd", "argocd", "shop", "shop/deployment/web")]


def test_argo_apps_in_any_namespace_carry_their_namespace() -> None:
    """A tracking id "team_shop:..." names Application team/shop."""
    web = WorkloadMeta(
        "shop", "Deployment", "web", annotations={"argocd.argoproj.io/tracking-id": "team_shop:x"}
    )
    [found] = detect([web], [], [])
    assert (found.namespace, found.name) == ("team", "shop")


def test_instance_label_counts_only_when_configured() -> None:
    """app.kubernetes.io/instance (set by Helm too) names an Argo CD app only when configured."""
    web = WorkloadMeta("shop", "Deployment", "web", labels={"app.kubernetes.io/instance": "shop"})
    assert detect([web], [], []) == []
    [found] = detect([web], [], [], argo_instance_label="app.kubernetes.io/instance")
    assert found.kind == "argocd"


def test_flux_labels_name_the_kustomization_and_helmrelease() -> None:
    """Flux's name/namespace labels name the Kustomization or HelmRelease that applied it."""
    web = WorkloadMeta(
        "shop",
        "Deployment",
        "web",
        labels={
            "kustomize.toolkit.fluxcd.io/name": "apps",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
            "helm.toolkit.fluxcd.io/name": "web",
            "helm.toolkit.fluxcd.io/namespace": "shop",
        },
    )
    found = {(c.kind, c.namespace, c.name) for c in detect([web], [], [])}
    assert found == {
        ("flux-kustomization", "flux-system", "apps"),
        ("flux-helmrelease", "shop", "web"),
    }


def test_keda_scaled_objects_match_their_target_and_hpas_are_informational() -> None:
    """A ScaledObject targeting a selected workload fights; an HPA over it does not."""
    so = ScalerRef("shop", "web", "Deployment", "web")
    other = ScalerRef("shop", "cart", "StatefulSet", "cart")
    hpa = ScalerRef("shop", "keda-hpa-web", "Deployment", "web")
    found = detect([WEB], [so, other], [hpa])
    assert [(c.kind, c.fights) for c in found] == [("keda", True), ("hpa", False)]


def test_refusal_names_each_controller_and_how_to_pause_it() -> None:
    """The refusal lists every fighting controller with the command or field that pauses it."""
    found = [
        Controller("keda", "shop", "web", "shop/deployment/web"),
        Controller("flux-kustomization", "flux-system", "apps", "shop/deployment/web"),
        Controller("hpa", "shop", "web", "shop/deployment/web", fights=False),
    ]
    text = refusal(found)
    assert "KEDA ScaledObject shop/web" in text
    assert "autoscaling.keda.sh/paused-replicas=0" in text
    assert "flux suspend kustomization apps -n flux-system" in text
    assert "HorizontalPodAutoscaler" not in text
    assert "nothing was changed" in text
