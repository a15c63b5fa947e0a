"""Fixtures: the Traffic Manager twin on a background loop, with a health switch per region."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest
from azure.core.credentials import AccessToken

from drillkit.sandbox.realism import Realism
from drillkit.sandbox.tm.twin import TrafficManagerTwin
from drillkit.sandbox.world import World, load_world

T = TypeVar("T")
# interval 10 s -> 0.5 s, timeout 5 s -> 0.25 s (enough on a loaded machine), TTL 40 s -> 2 s
FAST_SCALE = 0.05


def world_at(time_scale: float, *, realistic: bool = False, **changes: object) -> World:
    """The default world at another timeScale, every profile TTL raised to the next multiple of
    1/timeScale seconds (the twin refuses a TTL that does not scale to whole seconds); timing
    realism off unless asked (one agent, one server, no propagation delay)."""
    data = load_world().model_dump(by_alias=True)
    data.update(timeScale=time_scale, **changes)
    if not realistic:
        data["trafficManager"]["realism"] = Realism.off().model_dump(by_alias=True)
    step = round(1 / time_scale)
    for profile in data["trafficManager"]["profiles"]:
        profile["ttl"] = -(-profile["ttl"] // step) * step
    return World.model_validate(data)


class StaticToken:
    """An azure-core TokenCredential that hands out the twin's token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


class TwinThread:
    """A TrafficManagerTwin served from its own event-loop thread, for synchronous tests."""

    def __init__(self, world: World, state_dir: Path, **kwargs: Any) -> None:
        self.health = dict.fromkeys(world.regions, True)
        self.twin = TrafficManagerTwin(
            world, state_dir=state_dir, health=lambda region: self.health[region], **kwargs
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro: Any, timeout: float = 30.0) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def call(self, fn: Callable[[TrafficManagerTwin], T]) -> T:
        async def invoke() -> T:
            return fn(self.twin)

        result: T = self.run(invoke())
        return result

    @property
    def keys(self) -> dict[str, Any]:
        return self.call(lambda twin: twin.world_keys())

    def __enter__(self) -> TwinThread:
        self.thread.start()
        self.run(self.twin.start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.run(self.twin.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.02) -> Any:
    """Poll ``predicate`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture(scope="module")
def fast_world() -> World:
    """The default world with every Traffic Manager timing compressed 20x."""
    return world_at(FAST_SCALE)


@pytest.fixture(scope="module")
def twin(fast_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwinThread]:
    """One running twin shared by a module (tests restore what they change)."""
    with TwinThread(fast_world, tmp_path_factory.mktemp("tm"), page_size=2) as running:
        yield running


@pytest.fixture
def arm(twin: TwinThread) -> Iterator[Any]:
    """Plain HTTPS to the twin's ARM, as the operator (no SDK in between)."""
    import ssl

    import httpx

    keys = twin.keys["trafficManager"]
    with httpx.Client(
        base_url=keys["armUrl"],
        verify=ssl.create_default_context(cafile=keys["caFile"]),
        headers={"Authorization": f"Bearer {keys['token']}"},
        timeout=5,
    ) as client:
        yield client


@pytest.fixture
def tm_client(twin: TwinThread) -> Iterator[Any]:
    """The unmodified SDK on its default api-version, trusting the twin's CA."""
    from azure.mgmt.trafficmanager import TrafficManagerManagementClient

    keys = twin.keys["trafficManager"]
    with TrafficManagerManagementClient(
        StaticToken(keys["token"]),
        keys["subscriptionId"],
        base_url=keys["armUrl"],
        connection_verify=keys["caFile"],
    ) as client:
        yield client
