"""Objects by API path against hostile twins: what tracks a workload, and pausing it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.kube import KubeCluster
from drillkit.core.controllers import (
    PAUSES,
    WorkloadMeta,
    api_path,
    detect,
    merge_patch,
    read_path,
    scalers,
    workload_meta,
)
from drillkit.core.reverts import last_writer
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from drillkit.spec.durations import Duration

HOSTILE = Path(__file__).resolve().parents[2] / "drills" / "sandbox" / "hostile"


@pytest.fixture
def controllers(tmp_path: Path) -> Iterator[Callable[[str], KubeCluster]]:
    """A KubeCluster on region us of a hostile world, started per test."""
    opened: list[Any] = []

    def start(name: str) -> KubeCluster:
        world = load_world(HOSTILE / f"world-{name}.yaml").model_copy(
            update={"pod_ready_delay": Duration(0.05)}
        )
        sandbox = SandboxThread(world, tmp_path / name, components=[]).__enter__()
        opened.append(sandbox)
        cluster = KubeCluster("sandbox-us", sandbox.info["kubeconfig"])
        opened.append(cluster)
        return cluster

    yield start
    for item in reversed(opened):
        item.close() if not isinstance(item, SandboxThread) else item.__exit__(None, None, None)


def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _web(kube: KubeCluster) -> dict[str, Any]:
    obj = kube.get(api_path("Deployment", "shop", "web"))
    assert obj is not None
    return obj


def _meta(kube: KubeCluster) -> WorkloadMeta:
    return workload_meta("Deployment", _web(kube))


def test_keda_is_detected_paused_and_unpaused(controllers: Callable[[str], KubeCluster]) -> None:
    """The ScaledObject over shop/web is found; paused-replicas "0" holds web at 0; undone."""
    kube = controllers("keda")
    found = detect(
        [_meta(kube)],
        scalers(kube.get(api_path("ScaledObject", "shop"))),
        scalers(kube.get(api_path("HorizontalPodAutoscaler", "shop"))),
    )
    assert [(c.kind, c.name, c.fights) for c in found] == [
        ("keda", "web", True),
        ("hpa", "keda-hpa-web", False),
    ]
    pause = PAUSES["keda"]
    path = api_path(pause.kind, "shop", "web")
    before = read_path(kube.get(path), pause.path)
    assert before is None
    kube.patch(path, merge_patch(pause.path, pause.value))
    _until(lambda: _web(kube)["spec"]["replicas"] == 0)
    kube.patch(path, merge_patch(pause.path, before))
    _until(lambda: _web(kube)["spec"]["replicas"] == 3)
    writer = last_writer(_web(kube)["metadata"]["managedFields"], "spec", "replicas")
    assert writer is not None and writer.manager == "keda-operator"


def test_flux_suspend_round_trips_as_field_manager_drillkit(
    controllers: Callable[[str], KubeCluster],
) -> None:
    """The Flux labels name flux-system/shop; spec.suspend goes true (drillkit's) then back."""
    kube = controllers("flux")
    [flux] = [c for c in detect([_meta(kube)], [], []) if c.kind == "flux-kustomization"]
    pause = PAUSES[flux.kind]
    path = api_path(pause.kind, flux.namespace, flux.name)
    before = read_path(kube.get(path), pause.path)
    assert before is False
    kube.patch(path, merge_patch(pause.path, True))
    ks = kube.get(path)
    assert read_path(ks, pause.path) is True
    assert last_writer(ks["metadata"]["managedFields"], "spec", "suspend").manager == "drillkit"  # type: ignore[index,union-attr]
    kube.patch(path, merge_patch(pause.path, before))
    assert read_path(kube.get(path), pause.path) is False


def test_argo_cd_application_self_heal_switch(controllers: Callable[[str], KubeCluster]) -> None:
    """The tracking annotation names argocd/shop, whose selfHeal can be switched off."""
    kube = controllers("gitops")
    [argo] = detect([_meta(kube)], [], [])
    assert (argo.kind, argo.namespace, argo.name) == ("argocd", "argocd", "shop")
    pause = PAUSES["argocd"]
    path = api_path(pause.kind, argo.namespace, argo.name)
    assert read_path(kube.get(path), pause.path) is True
    kube.patch(path, merge_patch(pause.path, False))
    assert read_path(kube.get(path), pause.path) is False


def test_missing_objects_and_crds_read_as_none(controllers: Callable[[str], KubeCluster]) -> None:
    """An absent object reads as None; an empty namespace lists no ScaledObject."""
    kube = controllers("flux")
    assert kube.get(api_path("ScaledObject", "shop", "nope")) is None
    assert scalers(kube.get(api_path("ScaledObject", "shop"))) == []
    assert kube.get("/apis/nope.example.com/v1/namespaces/shop/things") is None
