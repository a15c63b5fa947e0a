"""End to end: a region loses health, probes degrade it, DNS moves, then fails back."""

from __future__ import annotations

import time
from typing import Any

import dns.edns
import dns.message
import dns.query
import httpx

from tests.twin.tm.conftest import FAST_SCALE, TwinThread, wait_for

NEW_YORK = "24.1.2.0/24"
# interval x (tolerated + 1) + timeout, scaled: the documented worst case to detect.
DETECT_BOUND = (10 * (3 + 1) + 5) * FAST_SCALE
SLACK = 0.3  # polling and scheduling on a shared 2-core machine


def _answer(twin: TwinThread) -> str:
    ecs = [dns.edns.ECSOption("24.1.2.0", 24)]
    query = dns.message.make_query("myapp.trafficmanager.net", "A", use_edns=0, options=ecs)
    response = dns.query.udp(query, "127.0.0.1", port=twin.keys["dns"]["port"], timeout=2)
    return str(response.answer[0][0].target).rstrip(".")


def _events(twin: TwinThread, since: float) -> list[dict[str, Any]]:
    url = twin.keys["admin"]["url"]
    auth = {"Authorization": f"Bearer {twin.keys['admin']['token']}"}
    with httpx.Client(headers=auth) as client:
        events: list[dict[str, Any]] = client.get(f"{url}/events", params={"since": since}).json()[
            "events"
        ]
    return events


def _us_status(twin: TwinThread) -> str:
    def read(tw: Any) -> str:
        from drillkit.sandbox.tm.monitor import endpoint_status

        profile = tw.store.by_relative_name("myapp-na")
        return str(endpoint_status(tw.store, profile, profile.endpoint("us")))

    return twin.call(read)


def test_region_outage_fails_over_within_the_documented_time(twin: TwinThread) -> None:
    """New York moves to the EU ingress within interval x (tolerated+1) + timeout, then back."""
    wait_for(lambda: _us_status(twin) == "Online" and _answer(twin) == "us.ingress.sandbox.test", 5)
    cut = time.time()
    twin.health["us"] = False
    try:
        wait_for(lambda: _answer(twin) == "eu.ingress.sandbox.test", DETECT_BOUND + 1)
        moved = time.time() - cut
        assert _us_status(twin) == "Degraded"
    finally:
        healed = time.time()
        twin.health["us"] = True
    assert moved <= DETECT_BOUND + SLACK
    events = _events(twin, cut)
    degraded = next(e for e in events if e["kind"] == "endpoint-status-changed"
                    and e["profile"] == "myapp-na" and e["endpoint"] == "us")  # fmt: skip
    assert (degraded["from"], degraded["to"]) == ("Online", "Degraded")
    flip = next(e for e in events if e["kind"] == "dns-answer-changed"
                and e["profile"] == "myapp" and e["subnet"] == NEW_YORK)  # fmt: skip
    assert (flip["from"], flip["to"]) == ("us.ingress.sandbox.test", "eu.ingress.sandbox.test")
    # Without propagation delay the one server applies the change as it is made.
    assert 0 <= flip["at"] - degraded["at"] < 0.05 and flip["server"] == "tm1.msft.net"
    assert flip["at"] - cut <= DETECT_BOUND + SLACK
    wait_for(lambda: _answer(twin) == "us.ingress.sandbox.test", 2)
    back = next(e for e in _events(twin, healed) if e["kind"] == "dns-answer-changed"
                and e["profile"] == "myapp" and e["subnet"] == NEW_YORK)  # fmt: skip
    # Fail back happens on the first good probe: within one scaled interval.
    assert back["at"] - healed <= 10 * FAST_SCALE + SLACK


def test_paris_is_untouched_by_a_us_outage(twin: TwinThread) -> None:
    """Paris keeps resolving to the EU ingress throughout a US outage."""
    since = time.time()
    twin.health["us"] = False
    try:
        wait_for(lambda: _us_status(twin) == "Degraded", DETECT_BOUND + 1)
    finally:
        twin.health["us"] = True
    wait_for(lambda: _us_status(twin) == "Online", 2)
    paris = [e for e in _events(twin, since) if e.get("subnet") == "128.7.8.0/24"
             and e["profile"] == "myapp"]  # fmt: skip
    assert paris == []
