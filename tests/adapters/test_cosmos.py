"""Cosmos DB canary documents through the real azure-cosmos SDK, against the Cosmos-shaped twin
(drillkit/sandbox/cosmos.py): where writes and reads go, what counts, and what the consistency
level lets the canary prove. The credential is a static token: nothing leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from drillkit.adapters.cosmos import CosmosDocs
from drillkit.adapters.credentials import StaticTokenCredential
from drillkit.sandbox.cosmos import CosmosTwin
from drillkit.sandbox.data.settings import DataWorld
from drillkit.sandbox.tls import make_authority
from drillkit.spec.data import CosmosCanary

pytest.importorskip("azure.cosmos")
pytestmark = pytest.mark.timeout(60)

TOKEN = "twin-aad-token"
LAG = DataWorld.model_validate({"lag": {"distribution": "fixed", "median": "300ms"}})


@asynccontextmanager
async def account(tmp_path: Path, **kwargs: Any) -> AsyncIterator[tuple[CosmosTwin, str]]:
    """A two-location twin account (East US writes) and the CA file that trusts it."""
    authority = make_authority()
    ca = tmp_path / "ca.pem"
    ca.write_bytes(authority.ca_pem)
    twin = CosmosTwin(["East US", "West Europe"], TOKEN, authority, data=LAG, **kwargs)
    await twin.start()
    try:
        yield twin, str(ca)
    finally:
        await twin.stop()


def spec(twin: CosmosTwin) -> CosmosCanary:
    return CosmosCanary.model_validate({
        "endpoint": twin.endpoint, "database": "drillkit", "container": "canary",
        "writeLocation": "East US", "readLocation": "West Europe",
    })  # fmt: skip


def docs(twin: CosmosTwin, ca: str, location: str, token: str = TOKEN) -> CosmosDocs:
    return CosmosDocs(spec(twin), location, StaticTokenCredential(token), verify=ca)


def run(tmp_path: Path, test: Callable[[CosmosTwin, str], Awaitable[None]], **kw: Any) -> None:
    async def main() -> None:
        async with account(tmp_path, **kw) as (twin, ca):
            await test(twin, ca)

    asyncio.run(main())


def test_writes_go_to_the_target_location_and_reads_to_the_survivor(tmp_path: Path) -> None:
    """The SDK, with preferred_locations, sends the canary's document to the target location's
    endpoint with its partition key header and an AAD bearer token, and polls the survivor's
    endpoint, which answers 404 until the twin has replicated the document, then 200."""

    async def test(twin: CosmosTwin, ca: str) -> None:
        target, survivor = docs(twin, ca, "East US"), docs(twin, ca, "West Europe")
        try:
            written = await target.write("orders-r1-1", time.time())
            first = await survivor.read("orders-r1-1")
            await asyncio.sleep(0.5)
            later = await survivor.read("orders-r1-1")
        finally:
            await target.aclose()
            await survivor.aclose()
        assert (written.status, first.status, later.status) == (201, 404, 200)
        assert first.error is None  # not yet replicated: a miss, not an error
        data = [r for r in twin.requests if "/docs" in r.path]
        assert [(r.location, r.method) for r in data] == [
            ("East US", "POST"), ("West Europe", "GET"), ("West Europe", "GET"),
        ]  # fmt: skip
        assert all(r.partition_key == '["orders-r1-1"]' and r.authorized for r in data)
        [replicated] = [e for e in twin.events if e["kind"] == "replicated"]
        assert replicated["to"] == "West Europe" and replicated["id"] == "orders-r1-1"
        assert first.sent_at <= replicated["at"] <= later.answered_at

    run(tmp_path, test)


def test_a_write_the_sdk_sent_to_another_location_does_not_count(tmp_path: Path) -> None:
    """In a single-write-region account the SDK sends every write to the write region, whatever
    the preferred location: the survivor's write-back write is then answered by East US, and the
    canary records it as not acknowledged, naming the location that answered."""

    async def test(twin: CosmosTwin, ca: str) -> None:
        survivor = docs(twin, ca, "West Europe")
        try:
            answer = await survivor.write("orders-r1-9", time.time())
        finally:
            await survivor.aclose()
        assert answer.status is None
        assert answer.error == "answered by East US, not West Europe"
        assert [r.location for r in twin.requests if r.method == "POST"] == ["East US"]

    run(tmp_path, test)


def test_a_multi_write_account_takes_the_survivors_write_in_its_own_location(
    tmp_path: Path,
) -> None:
    """With multiple write locations the SDK writes in the preferred location: the survivor's
    write is accepted by West Europe itself (write-back is then measurable)."""

    async def test(twin: CosmosTwin, ca: str) -> None:
        survivor = docs(twin, ca, "West Europe")
        try:
            answer = await survivor.write("orders-r1-9", time.time())
        finally:
            await survivor.aclose()
        assert (answer.status, answer.error) == (201, None)
        assert [r.location for r in twin.requests if r.method == "POST"] == ["West Europe"]

    run(tmp_path, test, multi_write=True)


def test_a_location_the_account_does_not_have_is_named(tmp_path: Path) -> None:
    """A read location that is not one of the account's answers every request with no status
    and says which locations the account has."""

    async def test(twin: CosmosTwin, ca: str) -> None:
        elsewhere = docs(twin, ca, "North Europe")
        try:
            answer = await elsewhere.read("orders-r1-1")
        finally:
            await elsewhere.aclose()
        assert answer.status is None
        assert answer.error == (
            "North Europe is not a location of the account (it lists: East US, West Europe)"
        )

    run(tmp_path, test)


def test_a_refused_token_is_an_observation_not_a_crash(tmp_path: Path) -> None:
    """A token the account refuses is an answer with no status (it says nothing about the
    document) and a short error that keeps the 401."""

    async def test(twin: CosmosTwin, ca: str) -> None:
        target = docs(twin, ca, "East US", token="wrong")
        try:
            answer = await target.write("orders-r1-1", time.time())
        finally:
            await target.aclose()
        assert answer.status is None
        assert answer.error is not None and answer.error.startswith("401/")

    run(tmp_path, test)


def test_under_session_consistency_the_survivors_reads_are_eventual_reads(tmp_path: Path) -> None:
    """The canary reads with a client that never wrote, so it sends no session token and, under
    Session consistency, Cosmos DB serves its reads as eventual reads: it measures replication
    to the survivor, not read-your-writes. Microsoft: "If the client didn't initiate a write to
    a physical partition, the client doesn't contain a session token in its cache and reads to
    that physical partition behave as reads with Eventual Consistency."
    (https://learn.microsoft.com/azure/cosmos-db/consistency-levels, Session consistency.)
    The writer's own reads do carry its token, so the twin and SDK do speak session tokens."""

    async def test(twin: CosmosTwin, ca: str) -> None:
        target, survivor = docs(twin, ca, "East US"), docs(twin, ca, "West Europe")
        try:
            await target.write("orders-r1-1", time.time())
            await survivor.read("orders-r1-1")
            await target.read("orders-r1-1")
        finally:
            await target.aclose()
            await survivor.aclose()
        reads = [r for r in twin.requests if r.method == "GET" and "/docs/" in r.path]
        by = {r.location: r.session_token for r in reads}
        assert by == {"West Europe": None, "East US": "0:-1#1"}

    run(tmp_path, test)


def test_the_sandbox_refuses_a_cosmos_canary_before_connecting(
    write_drill: Callable[..., Path], us_outage_text: str
) -> None:
    """The sandbox has no Cosmos DB: a drill with a Cosmos canary is refused at connect time,
    naming the canary, before any adapter is built; an HTTP canary client asked for Cosmos DB
    refuses in the same words."""
    from drillkit.adapters.canary import HttpxCanary
    from drillkit.adapters.connect import connect_sandbox
    from drillkit.errors import PreflightRefused
    from drillkit.spec.loader import load_drill
    from tests.spec.test_data import COSMOS_CANARY, with_canary

    drill = load_drill(write_drill(with_canary(us_outage_text, COSMOS_CANARY)), env={})
    info = {"trafficManager": {"armUrl": "https://127.0.0.1:9/"}, "dns": {"host": "127.0.0.1"}}
    with pytest.raises(PreflightRefused, match="canary orders-db writes to Cosmos DB"):
        connect_sandbox(drill, info)
    [canary] = drill.observe.data
    assert canary.cosmos is not None

    async def ask() -> None:
        http = HttpxCanary()
        try:
            with pytest.raises(PreflightRefused, match="needs a real Azure run"):
                http.cosmos_docs(canary.cosmos, "East US")
        finally:
            await http.aclose()

    asyncio.run(ask())
