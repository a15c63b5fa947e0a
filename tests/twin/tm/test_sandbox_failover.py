"""The whole sandbox: scaling a region's workload to zero through the kube twin fails DNS over."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.edns
import dns.message
import dns.query
import httpx
import pytest
import yaml
from kubernetes import client, config

from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import World
from drillkit.spec.durations import Duration
from tests.twin.tm.conftest import wait_for

# Probe timeouts of 0.25 s, not 0.1 s: a loaded CI machine must not fail healthy probes.
SCALE = 0.05
DETECT_BOUND = (10 * (3 + 1) + 5) * SCALE
SLACK = 0.5  # event-loop scheduling on a shared 2-core machine
NEW_YORK = "24.1.2.0/24"


@pytest.fixture(scope="module")
def sandbox(fast_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxThread]:
    """Both kube twins plus the Traffic Manager component, found through the plugin hook."""
    world = fast_world.model_copy(update={"pod_ready_delay": Duration(0.05), "time_scale": SCALE})
    with SandboxThread(world, tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


def _answer(info: dict[str, Any], subnet: str) -> str:
    address, prefix = subnet.split("/")
    ecs = [dns.edns.ECSOption(address, int(prefix))]
    query = dns.message.make_query(info["dns"]["fqdn"], "A", use_edns=0, options=ecs)
    response = dns.query.udp(query, info["dns"]["host"], port=info["dns"]["port"], timeout=2)
    return str(response.answer[0][0].target).rstrip(".")


def _scale(sandbox: SandboxThread, region: str, replicas: int) -> None:
    api = config.new_client_from_config(sandbox.info["kubeconfig"], context=f"sandbox-{region}")
    try:
        client.AppsV1Api(api).patch_namespaced_deployment_scale(
            "web", "shop", {"spec": {"replicas": replicas}}
        )
    finally:
        api.close()


def test_world_json_has_the_traffic_manager_keys(sandbox: SandboxThread) -> None:
    """world.json names the ARM endpoint, DNS server, ingress per region, admin URL and scale."""
    info = json.loads((sandbox.state_dir / "world.json").read_text())
    tm = info["trafficManager"]
    assert tm["armUrl"].startswith("https://127.0.0.1:")
    assert Path(tm["caFile"]).is_file()
    assert (tm["profile"], tm["resourceGroup"]) == ("myapp", "rg-sandbox")
    assert info["dns"]["fqdn"] == "myapp.trafficmanager.net"
    assert info["regions"]["us"]["ingress"]["address"] == "127.0.0.2"
    assert info["regions"]["us"]["kubeContext"] == "sandbox-us"
    assert info["regions"]["us"]["ingress"]["port"] == info["regions"]["eu"]["ingress"]["port"]
    assert info["admin"]["url"].startswith("http://127.0.0.1:")
    assert info["timeScale"] == SCALE


def test_ingress_health_follows_ready_replicas(sandbox: SandboxThread) -> None:
    """The US health path answers 200 with ready replicas and 503 with none."""
    ingress = sandbox.info["regions"]["us"]["ingress"]
    url = f"http://{ingress['address']}:{ingress['port']}/healthz"
    with httpx.Client() as http:
        wait_for(lambda: http.get(url).status_code == 200, 10)
        _scale(sandbox, "us", 0)
        try:
            assert wait_for(lambda: http.get(url).status_code == 503, 10)
            assert "no ready replicas" in http.get(url).text
        finally:
            _scale(sandbox, "us", 3)
        wait_for(lambda: http.get(url).status_code == 200, 10)


def test_scale_to_zero_fails_new_york_over_and_back(sandbox: SandboxThread) -> None:
    """New York's answer moves to the EU ingress in time, then returns after the scale-up."""
    info = sandbox.info
    ingress = info["regions"]["us"]["ingress"]
    health = f"http://{ingress['address']}:{ingress['port']}/healthz"
    wait_for(lambda: _answer(info, NEW_YORK) == "us.ingress.sandbox.test", 10)
    cut = time.time()
    _scale(sandbox, "us", 0)
    try:
        with httpx.Client() as http:
            wait_for(lambda: http.get(health).status_code == 503, 10, step=0.005)
        unhealthy = time.time()
        wait_for(lambda: _answer(info, NEW_YORK) == "eu.ingress.sandbox.test", DETECT_BOUND + 5)
    finally:
        _scale(sandbox, "us", 3)
    assert _answer(info, "128.7.8.0/24") == "eu.ingress.sandbox.test"
    wait_for(lambda: _answer(info, NEW_YORK) == "us.ingress.sandbox.test", 10)
    with _admin(info) as http:
        events = http.get(f"{info['admin']['url']}/events", params={"since": cut}).json()["events"]
    flips = [(e["from"], e["to"]) for e in events if e["kind"] == "dns-answer-changed"
             and e["profile"] == "myapp" and e["subnet"] == NEW_YORK]  # fmt: skip
    assert flips == [("us.ingress.sandbox.test", "eu.ingress.sandbox.test"),
                     ("eu.ingress.sandbox.test", "us.ingress.sandbox.test")]  # fmt: skip
    flip = next(e["at"] for e in events if e["kind"] == "dns-answer-changed"
                and e["profile"] == "myapp" and e["subnet"] == NEW_YORK)  # fmt: skip
    # The fourth failed probe may come up to interval x 4 + timeout after the ingress turned
    # unhealthy (the lower bound is the state machine's, tested in test_monitor.py).
    assert flip - unhealthy <= DETECT_BOUND + SLACK


def _admin(info: dict[str, Any]) -> httpx.Client:
    """A client of the admin endpoint, with its token."""
    return httpx.Client(headers={"Authorization": f"Bearer {info['admin']['token']}"})


def _kube_http(sandbox: SandboxThread, region: str = "eu") -> httpx.Client:
    """A plain HTTPS client with the operator token (closes cleanly, unlike a retrying pool)."""
    kubeconfig = yaml.safe_load(Path(sandbox.info["kubeconfig"]).read_text())
    token = next(u["user"]["token"] for u in kubeconfig["users"] if u["name"] == "sandbox-operator")
    return httpx.Client(
        base_url=sandbox.info["regions"][region]["apiServer"],
        verify=ssl.create_default_context(cafile=sandbox.info["caFile"]),
        headers={"Authorization": f"Bearer {token}"},
    )


def test_admin_faults_reach_kube_and_arm(sandbox: SandboxThread) -> None:
    """POST /faults with rate 1 makes Kubernetes and ARM requests fail; DELETE /faults heals."""
    admin = sandbox.info["admin"]["url"]
    tm = sandbox.info["trafficManager"]
    profile = (f"{tm['armUrl']}/subscriptions/{tm['subscriptionId']}/resourceGroups/"
               f"{tm['resourceGroup']}/providers/Microsoft.Network/trafficmanagerprofiles/myapp"
               "?api-version=2026-09-01")  # fmt: skip
    deployment = "/apis/apps/v1/namespaces/shop/deployments/web"
    with (
        _admin(sandbox.info) as http,
        _kube_http(sandbox) as kube,
        httpx.Client(
            verify=ssl.create_default_context(cafile=tm["caFile"]),
            headers={"Authorization": f"Bearer {tm['token']}"},
        ) as arm,
    ):
        assert kube.get(deployment).status_code == 200
        http.post(f"{admin}/faults", json={"rate": 1.0, "latencyMs": 0})
        try:
            assert kube.get(deployment).status_code in (429, 500, 503)
            failed = arm.get(profile)
            assert failed.status_code in (429, 500, 503)
            assert failed.json()["error"]["message"].startswith("Injected fault")
            if failed.status_code == 429:
                assert failed.headers["Retry-After"] == "1"
        finally:
            http.delete(f"{admin}/faults")
        assert kube.get(deployment).status_code == 200
        assert arm.get(profile).status_code == 200


def test_a_region_blackout_fails_that_kube_api_only(sandbox: SandboxThread) -> None:
    """{"target": "kube:eu", "blackout": true}: every EU API request fails (discovery too),
    the US API and ARM keep serving."""
    admin = sandbox.info["admin"]["url"]
    deployment = "/apis/apps/v1/namespaces/shop/deployments/web"
    with _admin(sandbox.info) as http, _kube_http(sandbox) as eu, _kube_http(sandbox, "us") as us:
        http.post(f"{admin}/faults", json={"target": "kube:eu", "blackout": True})
        try:
            assert eu.get(deployment).status_code == 503
            assert eu.get("/api").status_code == 503
            assert us.get(deployment).status_code == 200
        finally:
            http.delete(f"{admin}/faults", params={"target": "kube:eu"})
        assert eu.get(deployment).status_code == 200
