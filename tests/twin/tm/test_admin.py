"""The admin endpoint: ground-truth events, per-component fault knobs, and its token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import httpx
import pytest

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.world import World
from tests.twin.tm.conftest import TwinThread, wait_for

KUBE_ARM = ("kube:us", "kube:eu", "arm")
Knobbed = tuple[TwinThread, dict[str, FaultInjector]]


@pytest.fixture
def knobbed(
    fast_world: World, tmp_path: Path
) -> Iterator[tuple[TwinThread, dict[str, FaultInjector]]]:
    """A twin given kube and ARM injectors, as the sandbox runtime gives them."""
    knobs = {name: FaultInjector() for name in KUBE_ARM}
    with TwinThread(fast_world, tmp_path, faults=knobs) as running:
        yield running, knobs


def _admin(twin: TwinThread) -> httpx.Client:
    admin = twin.keys["admin"]
    return httpx.Client(
        base_url=admin["url"], headers={"Authorization": f"Bearer {admin['token']}"}, timeout=5
    )


def _answers(twin: TwinThread) -> bool:
    query = dns.message.make_query("myapp.trafficmanager.net", "A")
    try:
        dns.query.udp(query, "127.0.0.1", port=twin.keys["dns"]["port"], timeout=0.3)
    except dns.exception.Timeout:
        return False
    return True


def test_admin_requires_the_token(knobbed: tuple[TwinThread, dict[str, FaultInjector]]) -> None:
    """Without world.json's admin token, /events and /faults answer 401 and change nothing."""
    twin, knobs = knobbed
    url = twin.keys["admin"]["url"]
    with httpx.Client(base_url=url) as anonymous:
        assert anonymous.get("/events").status_code == 401
        assert anonymous.post("/faults", json={"rate": 1}).status_code == 401
        wrong = anonymous.get("/faults", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "admin.token" in wrong.json()["error"]["message"]
    assert all(k.rate == 0 for k in knobs.values())


def test_events_start_with_the_initial_state(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """The first events give every endpoint's status and every subnet's answer, from null."""
    twin, _ = knobbed
    with _admin(twin) as client:
        events = wait_for(lambda: [e for e in client.get("/events").json()["events"]
                                   if e["kind"] == "dns-answer-changed" and e["from"] is None
                                   and e["profile"] == "myapp"], 3)  # fmt: skip
    by_subnet = {e["subnet"]: e["to"] for e in events}
    assert by_subnet == {"24.1.2.0/24": "us.ingress.sandbox.test",
                         "128.7.8.0/24": "eu.ingress.sandbox.test"}  # fmt: skip
    assert all(isinstance(e["at"], float) for e in events)
    assert {"at", "kind", "subnet", "from", "to", "profile", "fqdn", "server"} <= set(events[0])


def test_untargeted_knobs_turn_every_kube_twin_and_arm(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """POST /faults without a target sets kube and ARM (as before targets); DELETE clears."""
    twin, knobs = knobbed
    with _admin(twin) as client:
        answer = client.post("/faults", json={"rate": 0.2, "latencyMs": 100}).json()
        assert (answer["rate"], answer["latencyMs"]) == (0.2, 100.0)
        assert sorted(answer["targets"]) == sorted(KUBE_ARM)
        assert [(k.rate, k.latency_ms) for k in knobs.values()] == [(0.2, 100.0)] * 3
        assert twin.call(lambda t: t.faults["prober"].rate) == 0.0
        assert client.delete("/faults").json()["rate"] == 0.0
        assert [(k.rate, k.latency_ms) for k in knobs.values()] == [(0.0, 0.0)] * 3
        bad = client.post("/faults", json={"rate": 2})
        assert bad.status_code == 400
        assert "'rate' must be within 0..1" in bad.json()["error"]["message"]
        unknown = client.post("/faults", json={"target": "kube:mars", "blackout": True})
        assert unknown.status_code == 400 and "kube:us" in unknown.json()["error"]["message"]


def test_a_targeted_blackout_hits_one_component_only(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """{"target": "kube:us", "blackout": true} fails every request of the US kube twin only."""
    twin, knobs = knobbed
    with _admin(twin) as client:
        client.post("/faults", json={"target": "kube:us", "blackout": True})
        try:
            assert knobs["kube:us"].blackout and knobs["kube:us"].pick() == 503
            assert not knobs["kube:eu"].blackout and knobs["kube:eu"].pick() is None
            assert not knobs["arm"].blackout
        finally:
            client.delete("/faults", params={"target": "kube:us"})
    assert not knobs["kube:us"].blackout


def test_knobs_with_a_duration_lapse_on_their_own(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """A fault with "duration" ends by itself: the knobs read clear once it has passed."""
    twin, knobs = knobbed
    with _admin(twin) as client:
        answer = client.post("/faults", json={"target": "arm", "rate": 1, "duration": "300ms"})
        assert 0 < answer.json()["targets"]["arm"]["remainingS"] <= 0.3
        time.sleep(0.4)
        assert client.get("/faults").json()["targets"]["arm"] == {
            "rate": 0.0, "latencyMs": 0.0, "blackout": False, "remainingS": None,
        }  # fmt: skip
    assert knobs["arm"].pick() is None


def test_dns_blackout_silences_the_server(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """{"target": "dns:tm1", "blackout": true}: the server answers nothing until cleared."""
    twin, _ = knobbed
    assert _answers(twin)
    with _admin(twin) as client:
        client.post("/faults", json={"target": "dns:tm1", "blackout": True})
        try:
            assert not _answers(twin)
        finally:
            client.delete("/faults", params={"target": "dns"})
    assert _answers(twin)


def test_ingress_blackout_degrades_the_region(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """{"target": "ingress:us", "blackout": true}: the US ingress fails, its endpoints degrade."""
    twin, _ = knobbed
    ingress = twin.keys["regions"]["us"]["ingress"]
    url = f"http://{ingress['address']}:{ingress['port']}/healthz"

    def us_status() -> str:
        from drillkit.sandbox.tm.monitor import endpoint_status

        def read(tw: object) -> str:
            store = tw.store  # type: ignore[attr-defined]
            profile = store.by_relative_name("myapp-na")
            return str(endpoint_status(store, profile, profile.endpoint("us")))

        return twin.call(read)  # type: ignore[arg-type]

    with _admin(twin) as client:
        client.post("/faults", json={"target": "ingress:us", "blackout": True})
        try:
            assert httpx.get(url).status_code == 503
            wait_for(lambda: us_status() == "Degraded", 6)
        finally:
            client.delete("/faults", params={"target": "ingress:us"})
    wait_for(lambda: us_status() == "Online", 6)


def test_prober_blackout_fails_every_probe(
    knobbed: tuple[TwinThread, dict[str, FaultInjector]],
) -> None:
    """{"target": "prober", "blackout": true}: every probe fails, so every probed endpoint
    degrades and DNS answers as if all were Online (the documented all-Degraded fallback)."""
    twin, _ = knobbed
    with _admin(twin) as client:
        client.post("/faults", json={"target": "prober", "blackout": True, "duration": 20})
        try:
            wait_for(lambda: twin.call(lambda t: set(t.store.probe_states.values()))
                     == {"Degraded"}, 8)  # fmt: skip
            assert _answers(twin)
        finally:
            client.delete("/faults", params={"target": "prober"})


def test_untargeted_delete_also_clears_the_start_up_knobs(
    fast_world: World, tmp_path: Path
) -> None:
    """`sandbox up --fault-rate` primes the shared kube injector the kube:<region> knobs are
    layered over; DELETE /faults without a target clears it too, as it did before targets."""
    shared = FaultInjector(rate=1.0)
    with TwinThread(fast_world, tmp_path, shared_faults=[shared]) as twin, _admin(twin) as client:
        client.delete("/faults", params={"target": "arm"})
        assert shared.rate == 1.0
        client.delete("/faults")
        assert shared.rate == 0.0
