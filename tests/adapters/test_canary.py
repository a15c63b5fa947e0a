"""The canary HTTP adapter against the twin's replicated store, and against nothing at all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from drillkit.adapters.canary import HttpxCanary
from drillkit.adapters.ports import IngressAddress
from drillkit.sandbox.world import load_world
from tests.twin.tm.conftest import TwinThread, wait_for


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwinThread]:
    world = load_world()
    with TwinThread(world, tmp_path_factory.mktemp("canary")) as running:
        yield running


def overrides(twin: TwinThread) -> dict[str, IngressAddress]:
    return {
        r["ingress"]["host"]: IngressAddress(r["ingress"]["address"], r["ingress"]["port"])
        for r in twin.keys["regions"].values()
    }


def test_a_write_by_host_name_lands_in_its_region_and_reads_back_elsewhere(
    twin: TwinThread,
) -> None:
    """A PUT to http://us.ingress.sandbox.test/canary/{id} reaches the us ingress through the
    override; the GET on eu finds it once replicated; both answers carry their instants."""

    async def go() -> tuple[int | None, list[int | None], float, float]:
        canary = HttpxCanary(overrides=overrides(twin), timeout_s=5)
        try:
            put = await canary.send("PUT", "http://us.ingress.sandbox.test/canary/a-1", '{"ts": 1}')
            seen: list[int | None] = []
            for _ in range(100):
                got = await canary.send("GET", "http://eu.ingress.sandbox.test/canary/a-1")
                seen.append(got.status)
                if got.status == 200:
                    break
                await asyncio.sleep(0.02)
            return put.status, seen, put.sent_at, put.answered_at
        finally:
            await canary.aclose()

    status, seen, sent, answered = asyncio.run(go())
    assert status == 201 and seen[-1] == 200 and set(seen[:-1]) <= {404}
    assert sent <= answered
    assert twin.call(lambda t: t.data.docs["us"]["a-1"].body) == b'{"ts": 1}'
    wait_for(lambda: "a-1" in twin.call(lambda t: t.data.docs["eu"]), 2)


def test_an_unreachable_region_is_an_answer_without_status() -> None:
    """A refused connection comes back as no status and a short error, not an exception."""

    async def go() -> tuple[int | None, str | None]:
        canary = HttpxCanary(overrides={"gone.test": IngressAddress("127.0.0.1", 9)}, timeout_s=2)
        try:
            answer = await canary.send("GET", "http://gone.test/canary/x")
            return answer.status, answer.error
        finally:
            await canary.aclose()

    status, error = asyncio.run(go())
    assert status is None and error is not None and "ConnectError" in error


def test_a_host_without_override_is_left_alone() -> None:
    """Only overridden hosts are rewritten; the Host header keeps the name and port written."""

    async def go() -> None:
        canary = HttpxCanary(overrides={"us.test": IngressAddress("127.0.0.2", 8080, "https")})
        try:
            assert canary.route("https://real.example/canary/1") == (
                "https://real.example/canary/1",
                {},
            )
            assert canary.route("http://us.test:81/canary/1?x=2") == (
                "https://127.0.0.2:8080/canary/1?x=2",
                {"Host": "us.test:81"},
            )
        finally:
            await canary.aclose()

    asyncio.run(go())
