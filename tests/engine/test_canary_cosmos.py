"""A Cosmos DB canary in the canary loop, through the real azure-cosmos SDK against the
Cosmos-shaped twin: what it measures is bracketed around the twin's ground truth."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from drillkit.adapters.canary import HttpxCanary
from drillkit.adapters.cosmos import CosmosConnector
from drillkit.adapters.credentials import StaticTokenCredential
from drillkit.core.data import Role, canary_metrics
from drillkit.engine.canary import CanaryLoop, CanaryTick, Phases
from drillkit.sandbox.cosmos import CosmosTwin
from drillkit.sandbox.data.settings import DataWorld
from drillkit.sandbox.tls import make_authority
from drillkit.spec.data import Canary

pytest.importorskip("azure.cosmos")
pytestmark = pytest.mark.timeout(60)

TOKEN = "twin-aad-token"


def test_a_cosmos_canary_brackets_the_twins_replication_lag(tmp_path: Path) -> None:
    """Every document the target location acknowledged is read on the survivor's location
    (but those still replicating when the loop stopped), and each measured lag bracket holds
    the lag the twin recorded (its `replicated` event); every write went to East US's endpoint
    and every poll to West Europe's."""
    authority = make_authority()
    ca = tmp_path / "ca.pem"
    ca.write_bytes(authority.ca_pem)
    lag = DataWorld.model_validate({"lag": {"distribution": "uniform", "min": "100ms",
                                            "max": "400ms"}})  # fmt: skip
    twin = CosmosTwin(["East US", "West Europe"], TOKEN, authority, data=lag)
    ticks: list[CanaryTick] = []
    stopped: list[float] = []

    async def main() -> None:
        await twin.start()
        canary = Canary.model_validate({
            "name": "orders", "every": "100ms",
            "cosmos": {"endpoint": twin.endpoint, "database": "drillkit", "container": "canary",
                       "writeLocation": "East US", "readLocation": "West Europe"},
        })  # fmt: skip
        connector = CosmosConnector(lambda: StaticTokenCredential(TOKEN), verify=str(ca))
        http = HttpxCanary(cosmos=connector)
        loop = CanaryLoop([canary], http, ticks.append, tag="r1", wall=time.time, phases=Phases())
        stopping = asyncio.Event()
        task = asyncio.create_task(loop.run(stopping))
        await asyncio.sleep(1.5)
        stopping.set()
        stopped.append(time.time())
        await asyncio.wait_for(task, 20)  # the twin serves the last polls meanwhile
        await twin.stop()

    asyncio.run(main())
    writes = [w for t in ticks for w in t.writes]
    reads = [r for t in ticks for r in t.reads]
    metrics = canary_metrics("orders", writes, reads, fault_at=None, restored_at=None)
    truth = {e["id"]: e["at"] - e["writtenAt"] for e in twin.events if e["kind"] == "replicated"}
    assert len(writes) >= 8 and all(w.acked and w.role is Role.TARGET for w in writes)
    found = [p for p in metrics.points if p.id in truth]
    unread = [w for w in writes if w.id not in {p.id for p in found}]
    assert all(w.sent_at > stopped[0] - 0.6 for w in unread)  # still in flight at the stop
    assert all(p.lag.low - 0.001 <= truth[p.id] <= p.lag.high + 0.001 for p in found)
    docs = [r for r in twin.requests if "/docs" in r.path]
    assert {r.location for r in docs if r.method == "POST"} == {"East US"}
    assert {r.location for r in docs if r.method == "GET"} == {"West Europe"}
