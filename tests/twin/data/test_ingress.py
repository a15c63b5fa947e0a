"""The replicated store over HTTP: each region's ingress serves /canary/{id}; /events records it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from drillkit.sandbox.data.settings import LagDistribution
from drillkit.sandbox.world import load_world
from drillkit.spec.durations import Duration
from tests.twin.tm.conftest import TwinThread, wait_for

LOSSY = Path(__file__).resolve().parents[3] / "drills" / "sandbox" / "world-lossy.yaml"


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[TwinThread]:
    world = load_world()
    with TwinThread(world, tmp_path) as running:
        yield running


def events(twin: TwinThread, client: httpx.Client) -> list[dict[str, Any]]:
    admin = twin.keys["admin"]
    answer = client.get(
        admin["url"] + "/events", headers={"Authorization": f"Bearer {admin['token']}"}
    )
    return list(answer.json()["events"])


def url(twin: TwinThread, region: str, doc_id: str) -> str:
    ingress = twin.keys["regions"][region]["ingress"]
    return f"http://{ingress['address']}:{ingress['port']}/canary/{doc_id}"


def test_a_write_in_one_region_becomes_readable_in_the_other(twin: TwinThread) -> None:
    """PUT on us answers 201 and the document reads back on eu once replicated, with a
    `replicated` ground-truth event naming the id, both regions and the lag."""
    with httpx.Client(trust_env=False, timeout=5) as client:
        put = client.put(url(twin, "us", "c-1"), content=b'{"ts": "1"}')
        assert put.status_code == 201 and put.headers["X-Drillkit-Region"] == "us"
        got = wait_for(
            lambda: (r := client.get(url(twin, "eu", "c-1"))).status_code == 200 and r, 3
        )
        assert got.content == b'{"ts": "1"}' and got.headers["X-Canary-Origin"] == "us"
        assert client.get(url(twin, "eu", "missing")).status_code == 404
        seen = events(twin, client)
    [event] = [e for e in seen if e["kind"] == "replicated"]
    assert (event["id"], event["from"], event["to"]) == ("c-1", "us", "eu")
    assert 0 < event["lagS"] < 4 * 0.1 + 0.1
    assert event["at"] >= event["writtenAt"]


def test_a_down_region_refuses_canary_reads_and_writes(twin: TwinThread) -> None:
    """With no ready replicas a region answers 503 to canary requests, as its app would."""
    twin.health["us"] = False
    with httpx.Client(trust_env=False, timeout=5) as client:
        assert client.put(url(twin, "us", "c-2"), content=b"{}").status_code == 503
        assert client.get(url(twin, "us", "c-2")).status_code == 503
        assert client.put(url(twin, "eu", "c-2"), content=b"{}").status_code == 201
        assert client.request("DELETE", url(twin, "eu", "c-2")).status_code == 405
        assert client.put(url(twin, "eu", "bad id!"), content=b"{}").status_code == 400


def test_the_lossy_world_records_lost_writes_as_ground_truth(tmp_path: Path) -> None:
    """In the lossy world the writes in flight when their region goes down are never readable
    elsewhere, and /events names each one as `lost`."""
    lossy = load_world(LOSSY)
    assert lossy.data.on_source_down == "lost"
    # A long fixed lag (2 s here) keeps the three writes in flight however slow the machine is.
    slow = lossy.data.model_copy(
        update={"lag": LagDistribution(distribution="fixed", median=Duration.parse("20s"))}
    )
    world = lossy.model_copy(update={"data": slow})
    with TwinThread(world, tmp_path) as twin, httpx.Client(trust_env=False, timeout=5) as client:
        for i in range(3):
            assert client.put(url(twin, "us", f"l-{i}"), content=b"{}").status_code == 201
        twin.health["us"] = False
        lost = wait_for(lambda: [e for e in events(twin, client) if e["kind"] == "lost"], 2)
        twin.health["us"] = True
        assert sorted(e["id"] for e in lost) == ["l-0", "l-1", "l-2"]
        assert all(client.get(url(twin, "eu", f"l-{i}")).status_code == 404 for i in range(3))


def test_the_lossy_world_is_the_default_world_but_for_its_data() -> None:
    """world-lossy.yaml differs from world.yaml only in its data: section (no drift)."""
    plain, lossy = load_world(), load_world(LOSSY)
    assert plain.model_dump(exclude={"data"}) == lossy.model_dump(exclude={"data"})
    assert (plain.data.on_source_down, lossy.data.on_source_down) == ("late", "lost")
