"""Fixtures of the differential suite: ``target`` is the real tier or the twin (region us)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client

from tests.differential.settle import wait_world_settled
from tests.differential.targets import Target, Twin, twin_unavailable
from tests.realapi.fixtures import shared_cluster

_twin: dict[str, object] = {}


def _shared_twin(config: pytest.Config) -> Target:
    reason = twin_unavailable()
    if reason:
        pytest.skip(reason)
    if isinstance(_twin.get("error"), BaseException):
        pytest.fail(f"the twin failed to start earlier in this session: {_twin['error']}")
    target = _twin.get("target")
    if isinstance(target, Target):
        return target
    twin = Twin()
    config.add_cleanup(twin.stop)
    try:
        started = twin.start()
    except Exception as exc:
        _twin["error"] = exc
        raise
    _twin["target"] = started
    return started


@pytest.fixture(scope="session", params=[pytest.param("real", marks=pytest.mark.realapi), "twin"])
def target(request: pytest.FixtureRequest) -> Target:
    """Region us of the real kube-apiserver tier, or of ``drillkit sandbox up``."""
    if request.param == "real":
        cluster = shared_cluster(request.config)
        region = cluster.regions["us"]
        return Target("real", cluster.kubeconfig, region.context, region.viewer_context)
    return _shared_twin(request.config)


@pytest.fixture
def api(target: Target) -> Iterator[client.ApiClient]:
    """An operator ApiClient on the target, with the world settled before the test starts."""
    with target.api() as api_client:
        wait_world_settled(api_client)
        yield api_client


@pytest.fixture
def viewer_api(target: Target) -> Iterator[client.ApiClient]:
    """A viewer (get/list/watch) ApiClient on the target."""
    with target.api(viewer=True) as api_client:
        yield api_client
