"""The admin endpoint: ground-truth events and the fault knobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from drillkit.sandbox.world import World
from tests.twin.tm.conftest import TwinThread, wait_for


@dataclass
class Knobs:
    rate: float = 0.0
    latency_ms: float = 0.0


@pytest.fixture
def knobbed(fast_world: World, tmp_path: Path) -> Iterator[tuple[TwinThread, list[Knobs]]]:
    knobs = [Knobs(), Knobs()]
    with TwinThread(fast_world, tmp_path, faults=knobs) as running:
        yield running, knobs


def test_events_start_with_the_initial_state(knobbed: tuple[TwinThread, list[Knobs]]) -> None:
    """The first events give every endpoint's status and every subnet's answer, from null."""
    twin, _ = knobbed
    with httpx.Client(base_url=twin.keys["admin"]["url"]) as client:
        events = wait_for(lambda: [e for e in client.get("/events").json()["events"]
                                   if e["kind"] == "dns-answer-changed" and e["from"] is None
                                   and e["profile"] == "myapp"], 3)  # fmt: skip
    by_subnet = {e["subnet"]: e["to"] for e in events}
    assert by_subnet == {"24.1.2.0/24": "us.ingress.sandbox.test",
                         "128.7.8.0/24": "eu.ingress.sandbox.test"}  # fmt: skip
    assert all(isinstance(e["at"], float) for e in events)
    assert {"at", "kind", "subnet", "from", "to", "profile", "fqdn"} <= set(events[0])


def test_fault_knobs_turn_every_injector(knobbed: tuple[TwinThread, list[Knobs]]) -> None:
    """POST /faults sets rate and latency on the kube and ARM injectors; DELETE clears them."""
    twin, knobs = knobbed
    with httpx.Client(base_url=twin.keys["admin"]["url"]) as client:
        answer = client.post("/faults", json={"rate": 0.2, "latencyMs": 100})
        assert answer.json() == {"rate": 0.2, "latencyMs": 100.0}
        assert [(k.rate, k.latency_ms) for k in knobs] == [(0.2, 100.0), (0.2, 100.0)]
        assert client.delete("/faults").json() == {"rate": 0.0, "latencyMs": 0.0}
        assert [(k.rate, k.latency_ms) for k in knobs] == [(0.0, 0.0), (0.0, 0.0)]
        bad = client.post("/faults", json={"rate": 2})
        assert bad.status_code == 400
        assert "'rate' must be within 0..1" in bad.json()["error"]["message"]
