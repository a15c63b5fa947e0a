"""A `drillkit sandbox up` twin in a child process, drillkit itself as a child process, and a
reader of the twin's world through the official Kubernetes client and the ARM REST API."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from tests.conftest import loose_rto
from tests.polling import poll

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DRILLS = ROOT / "drills" / "sandbox"
ENTRY = "from drillkit.cli.main import main; main()"
T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.1) -> T:
    """Poll ``check`` until it is truthy; fail with its last value otherwise."""
    return poll(check, timeout, interval)


def write_world(folder: Path, time_scale: float) -> Path:
    """The default world with another timeScale, as ``folder/world.yaml``."""
    data = yaml.safe_load((SANDBOX_DRILLS / "world.yaml").read_text())
    data["timeScale"] = time_scale
    # The longest probe timeout Traffic Manager allows at a 10 s interval: a loaded CI machine
    # must not flap endpoints at compressed time scales.
    data["trafficManager"]["monitor"]["timeoutInSeconds"] = 9
    # These tests are about API faults: Traffic Manager's realistic timing (several probe agents,
    # name servers that apply changes 1-20 s late) would spend the RTO objective's margin before
    # the retries do. One agent, one server, no propagation delay (sandbox/realism.py Realism.off).
    data["trafficManager"]["realism"] = {
        "probeAgents": 1,
        "probeJitter": 0,
        "nameServers": [{"name": "tm1.msft.net", "address": "127.0.0.1"}],
        "propagation": {"minDelay": "0s", "maxDelay": "0s"},
    }
    # The twin refuses a TTL that timeScale does not turn into whole seconds: round it up to the
    # next multiple of 1/timeScale (30 s at 0.05 -> 40 s, served as 2 s).
    step = round(1 / time_scale)
    for profile in data["trafficManager"]["profiles"]:
        profile["ttl"] = -(-profile["ttl"] // step) * step
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "world.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_drill(folder: Path, name: str = "drill.yaml", **changes: Any) -> Path:
    """The shipped us-outage drill with dotted (``a__b``) keys changed, next to world.yaml (and
    the loose ``rto`` objective unless a change sets it: tests.conftest.LOOSE_RTO)."""
    data = loose_rto(yaml.safe_load((SANDBOX_DRILLS / "us-outage.yaml").read_text()))
    data["metadata"].pop("runbook", None)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def drillkit(*args: str, prefix: tuple[str, ...] = (), **kwargs: Any) -> subprocess.Popen[str]:
    """``drillkit ARGS`` as a child process; ``prefix`` replaces the plain CLI entry point."""
    command = [sys.executable, *prefix] if prefix else [sys.executable, "-c", ENTRY]
    return subprocess.Popen(
        [*command, *args],
        cwd=kwargs.pop("cwd", ROOT),
        env=kwargs.pop("env", dict(os.environ)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 150.0) -> tuple[int, str, str]:
    """Wait for a child drillkit; its exit status, stdout and stderr."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"drillkit did not finish in {timeout} s: {err[-3000:]}") from None
    return proc.returncode, out, err


class SandboxProcess:
    """``drillkit sandbox up`` in the foreground of a child process."""

    def __init__(self, state_dir: Path, world: Path, *extra: str) -> None:
        self.state_dir = state_dir
        self.log = (state_dir.parent / f"{state_dir.name}.log").open("w")
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-c", ENTRY, "sandbox", "up", "--world", str(world)),
                *("--state-dir", str(state_dir), *extra),
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            eventually(self._ready, 60, 0.1)
        except BaseException:
            self.stop()
            raise
        self.info: dict[str, Any] = json.loads((state_dir / "world.json").read_text())

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"sandbox up ended ({self.proc.returncode}) before it was ready")
        return (self.state_dir / "world.json").is_file()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def set_faults(self, rate: float, latency_ms: float = 0.0) -> dict[str, Any]:
        """POST the admin fault knobs (every kube and ARM injector at once)."""
        body = json.dumps({"rate": rate, "latencyMs": latency_ms}).encode()
        return self._admin("POST", "/faults", body)

    def clear_faults(self) -> dict[str, Any]:
        return self._admin("DELETE", "/faults")

    def _admin(self, method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
        request = urllib.request.Request(self.info["admin"]["url"] + path, body, method=method)
        request.add_header("Authorization", f"Bearer {self.info['admin']['token']}")
        with urllib.request.urlopen(request, timeout=10) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def stop(self) -> None:
        """SIGTERM (a clean stop), SIGKILL only if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class WorldReader:
    """Reads everything a drill may change, through the official client and ARM's REST API."""

    def __init__(self, info: dict[str, Any]) -> None:
        from kubernetes import client, config

        self.info = info
        self._clients: dict[str, Any] = {}
        for region, keys in info["regions"].items():
            self._clients[region] = config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=info["kubeconfig"], context=keys["kubeContext"]
            )
        self._core = {r: client.CoreV1Api(c) for r, c in self._clients.items()}
        self._apps = {r: client.AppsV1Api(c) for r, c in self._clients.items()}
        self._leases = {r: client.CoordinationV1Api(c) for r, c in self._clients.items()}
        tm = info["trafficManager"]
        self._arm = httpx.Client(
            base_url=tm["armUrl"],
            verify=ssl.create_default_context(cafile=tm["caFile"]),
            headers={"Authorization": f"Bearer {tm['token']}"},
            timeout=10,
        )

    def close(self) -> None:
        for api in self._clients.values():
            api.close()
        self._arm.close()

    def state(self) -> dict[str, Any]:
        """Keys spelled as drillkit's snapshot items (``us/node/us-node-1 spec.unschedulable``)."""
        result: dict[str, Any] = {}
        for region in sorted(self._clients):
            nodes: list[Any] = self._core[region].list_node().items
            for node in nodes:
                unschedulable = bool(node.spec.unschedulable)
                result[f"{region}/node/{node.metadata.name} spec.unschedulable"] = unschedulable
            apps = self._apps[region]
            listings: list[tuple[str, list[Any]]] = [
                ("deployment", apps.list_deployment_for_all_namespaces().items),
                ("statefulset", apps.list_stateful_set_for_all_namespaces().items),
            ]
            for kind, listing in listings:
                for w in listing:
                    key = f"{region}/{kind}/{w.metadata.namespace}/{w.metadata.name} replicas"
                    result[key] = w.spec.replicas
            result[f"{region}/lease holder"] = self.lease_holder(region)
        for endpoint in self.endpoints():
            result[f"tm/{endpoint['key']} endpointStatus"] = endpoint["endpointStatus"]
        return result

    def lease_holder(self, region: str) -> str | None:
        """Who holds the drill lock (Lease default/drillkit-drill) now; None when it is free."""
        from kubernetes.client.exceptions import ApiException

        try:
            lease = self._leases[region].read_namespaced_lease("drillkit-drill", "default")
        except ApiException as e:
            if e.status == 404:
                return None
            raise
        spec = lease.spec
        if spec is None or not spec.holder_identity:
            return None
        # An expired lease locks nothing (drillkit takes it over): only a live holder counts.
        renewed = spec.renew_time or spec.acquire_time
        duration = spec.lease_duration_seconds or 0
        if renewed is None or renewed.timestamp() + duration < time.time():
            return None
        holder: str = spec.holder_identity
        return holder

    def endpoints(self) -> list[dict[str, Any]]:
        """Every endpoint of every profile: key, endpointStatus, endpointMonitorStatus."""
        tm = self.info["trafficManager"]
        group = f"/subscriptions/{tm['subscriptionId']}/resourceGroups/{tm['resourceGroup']}"
        path = f"{group}/providers/Microsoft.Network/trafficmanagerprofiles"
        response = self._arm.get(path, params={"api-version": "2022-04-01"})
        response.raise_for_status()
        found = []
        for profile in response.json()["value"]:
            for e in profile["properties"].get("endpoints", []):
                kind = e["type"].rsplit("/", 1)[-1]
                kind = kind[0].upper() + kind[1:]
                found.append(
                    {
                        "key": f"{profile['name']}/{kind}/{e['name']}",
                        "endpointStatus": e["properties"].get("endpointStatus"),
                        "monitor": e["properties"].get("endpointMonitorStatus"),
                    }
                )
        return sorted(found, key=lambda e: e["key"])

    def healthy(self) -> bool:
        """Every Deployment and StatefulSet fully ready, every endpoint Online, no lease held."""
        for region in self._clients:
            apps = self._apps[region]
            workloads: list[Any] = [
                *apps.list_deployment_for_all_namespaces().items,
                *apps.list_stateful_set_for_all_namespaces().items,
            ]
            for w in workloads:
                if (w.status.ready_replicas or 0) < (w.spec.replicas or 0):
                    return False
            if self.lease_holder(region):
                return False
        return all(e["monitor"] == "Online" for e in self.endpoints())
