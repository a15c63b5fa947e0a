"""Fixtures: a sandbox with both regions' kube twins, official clients and kubectl against it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from kubernetes import client, config

from drillkit.sandbox.hostile import Aks
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import World, load_world
from drillkit.spec.durations import Duration
from tests.polling import poll

T = TypeVar("T")
KUBECTL = shutil.which("kubectl")


def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll ``check`` until it returns a truthy value; fail with its last value otherwise."""
    return poll(check, timeout, interval)


def plain_world() -> World:
    """The default world without AKS realism (three plain nodes per region, no kube-system
    add-ons): what the twin tests were written against."""
    return load_world().model_copy(
        update={"pod_ready_delay": Duration(0.05), "aks": Aks(enabled=False)}
    )


@pytest.fixture
def world() -> World:
    """The default world, without AKS realism, with a short pod ready delay."""
    return plain_world()


@pytest.fixture
def sandbox(world: World, tmp_path: Path) -> Iterator[SandboxThread]:
    """Both regions' kube twins (no Traffic Manager component), serving."""
    with SandboxThread(world, tmp_path / "state", components=[]) as sb:
        yield sb


class Clients:
    """Official-client API objects for one kube context."""

    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.policy = client.PolicyV1Api(api)
        self.coordination = client.CoordinationV1Api(api)
        self.autoscaling = client.AutoscalingV2Api(api)
        self.authz = client.AuthorizationV1Api(api)


@contextlib.contextmanager
def connect_to(sb: SandboxThread, context: str) -> Iterator[Clients]:
    """Official clients for one context of a sandbox, closed on exit."""
    api = config.new_client_from_config(sb.info["kubeconfig"], context=context)
    try:
        yield Clients(api)
    finally:
        api.close()


@pytest.fixture
def connect(sandbox: SandboxThread) -> Iterator[Callable[[str], Clients]]:
    """Open official clients for a context of the sandbox kubeconfig; closed after the test."""
    opened: list[client.ApiClient] = []

    def open_context(context: str) -> Clients:
        api = config.new_client_from_config(sandbox.info["kubeconfig"], context=context)
        opened.append(api)
        return Clients(api)

    yield open_context
    for api in opened:
        api.close()


@pytest.fixture
def us(connect: Callable[[str], Clients]) -> Clients:
    return connect("sandbox-us")


@pytest.fixture
def viewer(connect: Callable[[str], Clients]) -> Clients:
    return connect("sandbox-us-viewer")


@pytest.fixture
def kubectl(
    sandbox: SandboxThread, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the machine's kubectl against the sandbox (context sandbox-us unless given)."""
    if KUBECTL is None:
        pytest.skip("kubectl is not installed")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": sandbox.info["kubeconfig"]}

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        context = (
            [] if any(a.startswith("--context") for a in args) else ["--context", "sandbox-us"]
        )
        return subprocess.run(
            [KUBECTL, "--cache-dir", str(home / "cache"), *context, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )

    return run


def ready(sb: SandboxThread, region: str, kind: str, name: str, namespace: str = "shop") -> int:
    return sb.call(lambda s: s.kube[region].ready_replicas(namespace, kind, name))


def settled(sb: SandboxThread) -> Any:
    """Wait until the default workloads are fully ready in both regions."""
    for region in ("us", "eu"):
        eventually(lambda r=region: ready(sb, r, "Deployment", "web") == 3)
        eventually(lambda r=region: ready(sb, r, "StatefulSet", "cart") == 2)
        eventually(lambda r=region: ready(sb, r, "DaemonSet", "log-agent") == 3)
    return sb
