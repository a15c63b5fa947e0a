"""The observer's change tracker: what is pending, and the RTO parts live as they complete."""

from __future__ import annotations

import asyncio

import pytest

from drillkit.adapters.ports import DnsAnswer
from drillkit.engine.samples import EndpointObservation, RegionCheck, ServerAnswer, VantageSample
from drillkit.engine.sampling import ChangeTracker
from drillkit.spec.loader import load_drill
from tests.conftest import US_OUTAGE

T0 = 1_700_000_000.0


def _sample(at: float, tm1: str, tm2: str) -> VantageSample:
    servers = (
        ServerAnswer(server="tm1", at=at, region=tm1),
        ServerAnswer(server="tm2", at=at + 0.001, region=tm2),
    )
    return VantageSample(name="new-york", at=at, region=tm2, ttl=3, servers=servers)


def _status(status: str) -> tuple[EndpointObservation, ...]:
    return (EndpointObservation(endpoint="myapp-na/us", region="us", status=status),)


def test_parts_complete_in_order_and_only_once() -> None:
    """Detection, then the first server's flip, then all servers, the TTL and the first good
    HTTP check through the survivor are each reported once, with their uncertainty."""
    heard: list[tuple[str, str, float, float]] = []
    tracker = ChangeTracker(load_drill(US_OUTAGE), lambda *a: heard.append(a))
    tracker.sample(_sample(T0 - 1, "us", "us"), None)
    assert not tracker.dns_pending(T0, None)
    tracker.statuses((T0 + 2.9, T0 + 2.9), _status("Online"), T0)
    tracker.statuses((T0 + 3.0, T0 + 3.0), _status("Degraded"), T0)
    assert tracker.dns_pending(T0, None)  # detected: flips are due, sample fast
    tracker.sample(_sample(T0 + 3.1, "us", "us"), T0)
    tracker.sample(_sample(T0 + 3.2, "eu", "us"), T0)
    tracker.sample(_sample(T0 + 3.3, "eu", "us"), T0)
    ok = {"eu": RegionCheck(at=T0 + 3.45, ok=True, status=200)}
    tracker.sample(_sample(T0 + 3.4, "eu", "eu"), T0, ok)
    tracker.sample(_sample(T0 + 3.5, "eu", "eu"), T0, ok)
    assert not tracker.dns_pending(T0, None)
    ny = [(part, round(s, 3), round(pm, 3)) for v, part, s, pm in heard if v == "new-york"]
    assert ny == [
        ("detect", 2.95, 0.05),
        ("firstServerFlip", 0.2, 0.1),
        ("allServersFlip", 0.401, 0.1),
        ("clientTtl", 3.0, 0.0),
        ("firstGoodHttp", 0.099, 0.05),
    ]


def test_status_pending_until_detection() -> None:
    """Monitor status is pending (read fast) from the fault until the target reads Degraded or
    Disabled, and never before the fault."""
    tracker = ChangeTracker(load_drill(US_OUTAGE))
    assert not tracker.status_pending(None, None)
    assert tracker.status_pending(T0, None)
    tracker.statuses((T0 + 0.2, T0 + 0.2), _status("Disabled"), T0)
    assert not tracker.status_pending(T0, None)
    assert tracker.detection is not None and tracker.detection.mid == T0


class _TwoServers:
    """tm1 answers eu, tm2 still us (a change half propagated)."""

    async def resolve_each(self, qname: str, subnet: str) -> list[tuple[str, DnsAnswer]]:
        return [
            ("tm1", DnsAnswer("NOERROR", ("eu.ingress.sandbox.test",), ttl=3, received_at=T0)),
            ("tm2", DnsAnswer("NOERROR", ("us.ingress.sandbox.test",), ttl=3, received_at=T0 + 1)),
        ]


@pytest.mark.timeout(20)
def test_observer_asks_every_server_and_holds_the_old_answer() -> None:
    """Each name server's answer is journalled; the vantage point keeps its previous region
    while any server still gives it, so its flip is the all-servers flip."""
    from drillkit.engine.observe import Observer

    drill = load_drill(US_OUTAGE)
    conns = type("C", (), {})()
    conns.resolver = _TwoServers()
    conns.fqdn = "myapp.trafficmanager.net"
    conns.clock = type("Clock", (), {"wall": staticmethod(lambda: T0)})()
    observer = Observer(drill, conns, None)  # type: ignore[arg-type]
    observer.sampler.ingresses = {
        "us": ["us.ingress.sandbox.test"],
        "eu": ["eu.ingress.sandbox.test"],
    }
    observer.state.vantage["new-york"].region = "us"

    async def ask() -> VantageSample:
        previous = {"new-york": observer.state.vantage["new-york"].region}
        samples, asked = await observer.sampler.ask([("new-york", "24.1.2.0/24")], previous)
        assert asked == 2
        return samples[0]

    sample = asyncio.run(ask())
    assert [(s.server, s.region) for s in sample.servers] == [("tm1", "eu"), ("tm2", "us")]
    assert sample.region == "us"
    observer.state.vantage["new-york"].region = None
    assert asyncio.run(ask()).region == "eu"  # no previous answer: the first to arrive
