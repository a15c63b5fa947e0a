"""The controllers adapter against hostile twins: what tracks a workload, and pausing it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import config

from drillkit.adapters.controllers import KubeControllers
from drillkit.core.controllers import PAUSES, detect, merge_patch, read_path
from drillkit.core.reverts import last_writer
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from drillkit.spec.durations import Duration

HOSTILE = Path(__file__).resolve().parents[2] / "drills" / "sandbox" / "hostile"


@pytest.fixture
def controllers(tmp_path: Path) -> Iterator[Callable[[str], KubeControllers]]:
    """KubeControllers on region us of a hostile world, started per test."""
    opened: list[Any] = []

    def start(name: str) -> KubeControllers:
        world = load_world(HOSTILE / f"world-{name}.yaml").model_copy(
            update={"pod_ready_delay": Duration(0.05)}
        )
        sandbox = SandboxThread(world, tmp_path / name, components=[]).__enter__()
        opened.append(sandbox)
        api = config.new_client_from_config(sandbox.info["kubeconfig"], context="sandbox-us")
        opened.append(api)
        return KubeControllers(api)

    yield start
    for item in reversed(opened):
        item.close() if not isinstance(item, SandboxThread) else item.__exit__(None, None, None)


def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_keda_is_detected_paused_and_unpaused(
    controllers: Callable[[str], KubeControllers],
) -> None:
    """The ScaledObject over shop/web is found; paused-replicas "0" holds web at 0; undone."""
    kube = controllers("keda")
    web = kube.workload("Deployment", "shop", "web")
    assert web is not None
    found = detect([web.meta], kube.scaled_objects("shop"), kube.hpas("shop"))
    assert [(c.kind, c.name, c.fights) for c in found] == [
        ("keda", "web", True),
        ("hpa", "keda-hpa-web", False),
    ]
    pause = PAUSES["keda"]
    before = read_path(kube.get_custom(pause.kind, "shop", "web"), pause.path)
    assert before is None
    kube.patch_custom(pause.kind, "shop", "web", merge_patch(pause.path, pause.value))
    _until(lambda: kube.workload("Deployment", "shop", "web").replicas == 0)  # type: ignore[union-attr]
    kube.patch_custom(pause.kind, "shop", "web", merge_patch(pause.path, before))
    _until(lambda: kube.workload("Deployment", "shop", "web").replicas == 3)  # type: ignore[union-attr]
    after = kube.workload("Deployment", "shop", "web")
    assert after is not None
    writer = last_writer(after.managed_fields, "spec", "replicas")
    assert writer is not None and writer.manager == "keda-operator"


def test_flux_suspend_round_trips(controllers: Callable[[str], KubeControllers]) -> None:
    """The Flux labels name flux-system/shop; spec.suspend true then back to false."""
    kube = controllers("flux")
    web = kube.workload("Deployment", "shop", "web")
    assert web is not None
    [flux] = [c for c in detect([web.meta], [], []) if c.kind == "flux-kustomization"]
    pause = PAUSES[flux.kind]
    before = read_path(kube.get_custom(pause.kind, flux.namespace, flux.name), pause.path)
    assert before is False
    kube.patch_custom(pause.kind, flux.namespace, flux.name, merge_patch(pause.path, True))
    ks = kube.get_custom(pause.kind, flux.namespace, flux.name)
    assert read_path(ks, pause.path) is True
    kube.patch_custom(pause.kind, flux.namespace, flux.name, merge_patch(pause.path, before))
    assert read_path(kube.get_custom(pause.kind, "flux-system", "shop"), pause.path) is False


def test_argo_cd_application_self_heal_switch(
    controllers: Callable[[str], KubeControllers],
) -> None:
    """The tracking annotation names argocd/shop, whose selfHeal can be switched off and on."""
    kube = controllers("gitops")
    web = kube.workload("Deployment", "shop", "web")
    assert web is not None
    [argo] = detect([web.meta], [], [])
    assert (argo.kind, argo.namespace, argo.name) == ("argocd", "argocd", "shop")
    pause = PAUSES["argocd"]
    app = kube.get_custom(pause.kind, argo.namespace, argo.name)
    assert read_path(app, pause.path) is True
    kube.patch_custom(pause.kind, argo.namespace, argo.name, merge_patch(pause.path, False))
    assert read_path(kube.get_custom(pause.kind, "argocd", "shop"), pause.path) is False


def test_missing_custom_objects_are_none(controllers: Callable[[str], KubeControllers]) -> None:
    """An absent object reads as None and an empty namespace lists no ScaledObject."""
    kube = controllers("flux")
    assert kube.get_custom("ScaledObject", "shop", "nope") is None
    assert kube.scaled_objects("shop") == []
    assert kube.workload("Deployment", "shop", "nope") is None
