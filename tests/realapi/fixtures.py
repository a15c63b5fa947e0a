"""pytest fixtures of the real tier, shared by tests/realapi and tests/differential.

One cluster per test session (start-up costs ~20-40 s): the first fixture that needs it starts
it, ``config.add_cleanup`` stops it when pytest ends, passed or failed. Without the binaries the
fixtures skip with the reason (``missing_reason``). Import them in a conftest::

    from tests.realapi.fixtures import real_cluster, real_kubeconfig  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.realapi.cluster import RealCluster, missing_reason

_state: dict[str, object] = {}


def shared_cluster(config: pytest.Config) -> RealCluster:
    """The session's cluster, started on first use; skips when the tier is not built."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    error = _state.get("error")
    if isinstance(error, BaseException):
        pytest.fail(f"the real tier failed to start earlier in this session: {error}")
    cluster = _state.get("cluster")
    if isinstance(cluster, RealCluster):
        return cluster
    started = RealCluster()
    config.add_cleanup(started.stop)
    try:
        started.__enter__()
    except Exception as exc:
        _state["error"] = exc
        raise
    _state["cluster"] = started
    return started


@pytest.fixture(scope="session")
def real_cluster(pytestconfig: pytest.Config) -> RealCluster:
    """The running real tier (every region of the default world, seeded and settled)."""
    return shared_cluster(pytestconfig)


@pytest.fixture(scope="session")
def real_kubeconfig(real_cluster: RealCluster) -> Path:
    """Path of the kubeconfig with contexts real-<region> and real-<region>-viewer."""
    return real_cluster.kubeconfig


@pytest.fixture
def real_api(real_cluster: RealCluster) -> Iterator[client.ApiClient]:
    """An operator ApiClient on region us (closed after the test)."""
    with real_cluster.api_client("us") as api:
        yield api


@pytest.fixture
def real_viewer_api(real_cluster: RealCluster) -> Iterator[client.ApiClient]:
    """A viewer ApiClient on region us (closed after the test)."""
    with real_cluster.api_client("us", viewer=True) as api:
        yield api
