"""The observer's monitor-status reads stay within the ARM budget drillkit computes and ``plan``
prints, counted as the GETs the Traffic Manager twin receives (one per profile of the tree per
read), whether the tree's size comes from the design read or from the first read, and inside the
detection window, where a read asks only the target's profile (issue #17)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.credentials import StaticTokenCredential
from drillkit.adapters.dns import EcsResolver
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.core.sampling import (
    ARM_READ_BUCKET,
    ARM_SHARE,
    Windows,
    arm_get_rate,
    budget_lines,
    tree_profiles,
)
from drillkit.engine.observe import Observer
from drillkit.engine.records import StatusObservation
from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.tm.component import arm_fault_body
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill
from tests.conftest import US_OUTAGE
from tests.twin.tm.conftest import TwinThread, world_at

pytestmark = pytest.mark.timeout(60)
RUN_S = 4.0
ARM_DOC = (
    "https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/"
    "request-limits-and-throttling"
)


def _drill() -> Drill:
    """The shipped sandbox drill: pollInterval 250 ms, statusInterval unset (the poll cadence)."""
    data = load_drill(US_OUTAGE).model_dump(mode="json", by_alias=True)
    data["observe"].update(http=None, data=[])
    data["observe"]["vantagePoints"] = data["observe"]["vantagePoints"][:1]
    return Drill.model_validate(data)


def _arm_gets(admin: httpx.Client) -> Counter[str]:
    """The GETs ARM received, by the profile read (the last segment of the path)."""
    counts = admin.get("/requests", params={"target": "arm"}).raise_for_status().json()
    found: Counter[str] = Counter()
    for c in counts["targets"].values():
        for label, n in c["by"].items():
            method, _, name = label.partition(" ")
            if method == "GET":
                found[name] += n
    return found


def _label(request: web.Request) -> str:
    return f"{request.method} {request.path.rstrip('/').rsplit('/', 1)[-1]}"


def _observed(
    tmp_path: Path, drill: Drill, hint: int | None, window: bool
) -> tuple[Observer, Counter[str], int, list[Any]]:
    """Run an observer against the twin for ``RUN_S``: the observer, the GETs ARM received by
    profile, the tree's profiles and the records journaled. ``hint``: the profiles the
    observer is told (None: the design read's count); ``window``: the fault is injected at the
    start, inside the detection window, and no endpoint ever degrades (detection stays
    pending, the reads stay fast)."""
    arm = FaultInjector()  # counts every request ARM receives, as the sandbox wires it
    middleware = arm.middleware(arm_fault_body, label=_label)
    wiring = {"faults": {"arm": arm}, "arm_middlewares": [middleware]}
    with TwinThread(world_at(0.05), tmp_path, **wiring) as twin:
        keys = twin.keys
        info, dns = keys["trafficManager"], keys["dns"]
        tm = AzureTrafficManager(
            StaticTokenCredential(info["token"]), info["subscriptionId"], info["resourceGroup"],
            info["profile"], base_url=info["armUrl"], ca_file=info.get("caFile"),
        )  # fmt: skip
        admin = httpx.Client(
            base_url=keys["admin"]["url"],
            headers={"Authorization": f"Bearer {keys['admin']['token']}"},
            timeout=5,
        )
        try:
            profiles = tree_profiles(tm.design())
            conns: Any = type("Conns", (), {})()
            conns.resolver = EcsResolver([(dns["host"], int(dns["port"]))], timeout_s=1.0)
            conns.fqdn, conns.clock = "myapp.trafficmanager.net", SystemClock()
            conns.traffic_manager, conns.canary_factory = tm, None
            conns.http_factory = type("NoHttp", (), {})
            windows = Windows(((0.0, RUN_S),), from_target_down=False) if window else None
            told = profiles if hint is None else hint
            journal = _Records()
            observer = Observer(drill, conns, journal, windows=windows, profiles=told)
            if window:
                observer.phases.fault_at = conns.clock.wall()
            admin.delete("/requests", params={"target": "arm"}).raise_for_status()
            asyncio.run(observer.run_async(duration_s=RUN_S))
            received = _arm_gets(admin)
        finally:
            admin.close()
            tm.close()
    return observer, received, profiles, journal


class _Records(list[Any]):
    """Stands in for the journal: keeps what the observer appends."""

    def append(self, record: Any) -> Any:
        super().append(record)
        return record


@pytest.mark.parametrize("from_design", [True, False], ids=["design-read", "first-read"])
def test_status_reads_send_no_more_arm_gets_than_the_budget(
    tmp_path: Path, from_design: bool
) -> None:
    """ARM throttles reads with a token bucket: "Subscription | reads | 250 | 25" and "the refill
    rate determines how quickly tokens become available in the bucket" (ARM_DOC); drillkit takes a
    fifth. Each status read of the sandbox tree is three GETs (myapp, myapp-na, myapp-eu): at the
    250 ms poll cadence that was 12 GETs/s counted as 4 reads/s. The GETs the twin receives over
    the run stay within the GET rate drillkit computes and prints for the tree (5/s), give or
    take the read in flight at the end, and match the observer's own count."""
    drill = _drill()
    hint = None if from_design else 1
    observer, by_profile, profiles, _ = _observed(tmp_path, drill, hint, False)
    assert profiles == 3
    received = sum(by_profile.values())
    rate = arm_get_rate(drill.observe, profiles)
    assert rate == 5.0
    assert f"{rate:g} ARM GETs/s" in budget_lines(drill.observe, 1, profiles)[0]
    # The first read goes out at once; one read of 3 GETs may be in flight when the run ends.
    assert 2 * profiles <= received <= rate * RUN_S + profiles
    counted = sum(observer.state.arm_reads.values())
    assert abs(counted - received) <= profiles
    assert observer.reads.profiles == profiles


def test_detection_window_reads_only_the_target_profiles_within_the_budget(
    tmp_path: Path,
) -> None:
    """Inside the detection window, with detection pending, a read asks only the profiles that
    hold a target endpoint (the us endpoint is in myapp-na and, as a fallback, in myapp-eu: two
    GETs, not three) and comes from the burst: the GETs ARM receives over the run stay within
    the burst and the refill drillkit prints ("Subscription | reads | 250 | 25", ARM_DOC, a
    fifth of it), they match the observer's count, and the parent is read only with the tree."""
    drill = _drill()
    observer, by_profile, profiles, records = _observed(tmp_path, drill, None, True)
    received = sum(by_profile.values())
    rate, burst = arm_get_rate(drill.observe, profiles), ARM_READ_BUCKET * ARM_SHARE
    line = budget_lines(drill.observe, 1, profiles, watched=len(observer.reads.watched))[0]
    assert f"{rate:g} ARM GETs/s" in line and f"a burst of {burst:g}" in line
    assert "every 0.2s from the burst while a change is expected (2 GETs each" in line
    assert observer.reads.watched == ("myapp-eu", "myapp-na")
    assert received <= burst + rate * RUN_S + profiles
    assert abs(sum(observer.state.arm_reads.values()) - received) <= profiles
    # Fast reads of two GETs at twice the refill: more reads of myapp-na than reads of the
    # whole tree within the refill alone, and myapp (the parent) read only with the whole tree.
    # (the run may end between the two GETs of a read)
    assert abs(by_profile["myapp-na"] - by_profile["myapp-eu"]) <= 1
    assert by_profile["myapp-na"] > rate * RUN_S / profiles + 1
    assert by_profile["myapp"] < by_profile["myapp-na"] / 3
    assert observer.reads.cadence.fast_samples > 0
    # Each GET of a fast read is journaled with its own request's instants and endpoints.
    reads = [r for r in records if isinstance(r, StatusObservation)]
    walked = [{e.endpoint.split("/", 1)[0] for e in r.endpoints} for r in reads]
    assert walked[0] == {"myapp", "myapp-na", "myapp-eu"}
    alone = [w for w in walked if len(w) == 1]
    assert len(alone) >= 2 * (by_profile["myapp-na"] - by_profile["myapp"]) - 2
    assert all(r.sent is not None and r.received is not None for r in reads)
