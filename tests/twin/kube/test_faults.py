"""The fault injector: seeded 429/5xx with Status bodies, Retry-After, latency."""

from __future__ import annotations

import random
import ssl
import time
from collections import Counter
from pathlib import Path

import httpx
import yaml

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import World


class Slowest(random.Random):
    """A Random whose uniform() always answers the top of the range."""

    def uniform(self, a: float, b: float) -> float:
        return b


def client_for(sb: SandboxThread) -> httpx.Client:
    config = yaml.safe_load(Path(sb.info["kubeconfig"]).read_text())
    token = config["users"][0]["user"]["token"]
    return httpx.Client(
        base_url=sb.info["regions"]["us"]["apiServer"],
        verify=ssl.create_default_context(cafile=sb.info["caFile"]),
        headers={"Authorization": f"Bearer {token}"},
    )


def test_full_rate_fails_every_api_call_but_not_discovery(world: World, tmp_path: Path) -> None:
    """At rate 1 every resource request is 429/500/503 with a Status body; /api still answers."""
    with (
        SandboxThread(world, tmp_path, components=[], fault_rate=1.0) as sb,
        client_for(sb) as http,
    ):
        codes: Counter[int] = Counter()
        for _ in range(30):
            response = http.get("/api/v1/nodes")
            codes[response.status_code] += 1
            body = response.json()
            assert body["kind"] == "Status" and body["code"] == response.status_code
            if response.status_code == 429:
                assert response.headers["Retry-After"] == "1"
        assert set(codes) <= {429, 500, 503} and len(codes) >= 2
        assert http.get("/api").status_code == 200
        assert http.get("/apis/apps/v1").status_code == 200


def test_rate_is_mutable_while_serving(world: World, tmp_path: Path) -> None:
    """Setting the shared kube injector's rate to 0 makes the next call succeed."""
    with (
        SandboxThread(world, tmp_path, components=[], fault_rate=1.0) as sb,
        client_for(sb) as http,
    ):
        assert http.get("/api/v1/nodes").status_code in (429, 500, 503)
        sb.call(lambda s: s.ctx.faults("kube").set(rate=0.0) if s.ctx else None)
        assert http.get("/api/v1/nodes").status_code == 200


def test_seeded_rate_is_reproducible() -> None:
    """Two injectors with the same seed pick the same faults; the share follows the rate."""
    first = FaultInjector(0.3, rng=random.Random(7))
    second = FaultInjector(0.3, rng=random.Random(7))
    a = [first.pick() for _ in range(1000)]
    assert a == [second.pick() for _ in range(1000)]
    assert 200 < sum(code is not None for code in a) < 400


def test_latency_delays_requests(world: World, tmp_path: Path) -> None:
    """With latency 300 ms (drawn at its maximum), a request takes at least 0.3 s."""
    with SandboxThread(world, tmp_path, components=[]) as sb, client_for(sb) as http:
        sb.call(lambda s: setattr(s.ctx.faults("kube"), "rng", Slowest()) if s.ctx else None)
        sb.call(lambda s: s.ctx.faults("kube").set(latency_ms=300) if s.ctx else None)
        started = time.monotonic()
        assert http.get("/api/v1/nodes").status_code == 200
        assert time.monotonic() - started >= 0.3


def test_set_clamps_knobs() -> None:
    """Rates outside 0..1 and negative latency are clamped."""
    faults = FaultInjector()
    faults.set(rate=3, latency_ms=-5)
    assert (faults.rate, faults.latency_ms) == (1.0, 0.0)
