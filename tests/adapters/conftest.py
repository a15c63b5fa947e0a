"""Adapter tests drive drillkit's real adapters against the sandbox twins."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drillkit.adapters import retry
from drillkit.adapters.bundle import Connections
from drillkit.adapters.connect import connect_sandbox
from drillkit.adapters.kube import KubeCluster
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from drillkit.spec.loader import load_drill
from tests.conftest import US_OUTAGE


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxThread]:
    with SandboxThread(load_world(), tmp_path_factory.mktemp("twin")) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _zero_backoff() -> Iterator[None]:
    retry.set_testing(True)
    yield
    retry.set_testing(False)


@pytest.fixture(scope="module")
def conns(sandbox: SandboxThread) -> Iterator[Connections]:
    c = connect_sandbox(load_drill(US_OUTAGE), sandbox.info, deadline_s=3.0)
    deadline = time.monotonic() + 30
    while not _settled(c):  # every web pod Ready: budgets allow what the tests expect
        assert time.monotonic() < deadline, "the twin did not settle in 30 s"
        time.sleep(0.1)
    yield c
    c.close()


def _settled(c: Connections) -> bool:
    for cluster in c.clusters.values():
        web = cluster.get_workload("Deployment", "shop", "web")
        if web is None or web.ready < web.replicas:
            return False
        pdbs = getattr(cluster, "list_pdbs", list)()
        if any(p.disruptions_allowed < 1 for p in pdbs):
            return False
    return True


@pytest.fixture
def viewer(sandbox: SandboxThread) -> Iterator[KubeCluster]:
    cluster = KubeCluster("sandbox-us-viewer", sandbox.info["kubeconfig"])
    yield cluster
    cluster.close()


@pytest.fixture
def state_dir(sandbox: SandboxThread) -> Path:
    return Path(sandbox.info["stateDir"])
