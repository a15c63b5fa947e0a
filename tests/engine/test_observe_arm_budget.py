"""The observer's monitor-status reads stay within the ARM budget drillkit computes and ``plan``
prints, counted as the GETs the Traffic Manager twin receives (one per profile of the tree per
read), whether the tree's size comes from the design read or from the first read (issue #17)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from drillkit.adapters.clock import SystemClock
from drillkit.adapters.credentials import StaticTokenCredential
from drillkit.adapters.dns import EcsResolver
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.core.sampling import arm_get_rate, budget_lines, tree_profiles
from drillkit.engine.observe import Observer
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


def _arm_gets(admin: httpx.Client) -> int:
    counts = admin.get("/requests", params={"target": "arm"}).raise_for_status().json()
    return sum(c["by"].get("GET", 0) for c in counts["targets"].values())


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
    arm = FaultInjector()  # counts every request ARM receives, as the sandbox wires it
    wiring = {"faults": {"arm": arm}, "arm_middlewares": [arm.middleware(arm_fault_body)]}
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
            assert profiles == 3
            conns: Any = type("Conns", (), {})()
            conns.resolver = EcsResolver([(dns["host"], int(dns["port"]))], timeout_s=1.0)
            conns.fqdn, conns.clock = "myapp.trafficmanager.net", SystemClock()
            conns.traffic_manager, conns.canary_factory = tm, None
            conns.http_factory = type("NoHttp", (), {})
            observer = Observer(drill, conns, None, profiles=profiles if from_design else 1)
            admin.delete("/requests", params={"target": "arm"}).raise_for_status()
            asyncio.run(observer.run_async(duration_s=RUN_S))
            received = _arm_gets(admin)
        finally:
            admin.close()
            tm.close()
    rate = arm_get_rate(drill.observe, profiles)
    assert rate == 5.0
    assert f"{rate:g} ARM GETs/s" in budget_lines(drill.observe, 1, profiles)[0]
    # The first read goes out at once; one read of 3 GETs may be in flight when the run ends.
    assert 2 * profiles <= received <= rate * RUN_S + profiles
    counted = sum(observer.state.arm_reads.values())
    assert abs(counted - received) <= profiles
    assert observer.profiles == profiles
