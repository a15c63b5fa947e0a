"""End-to-end fixtures: one sandbox twin per module (Kubernetes + Traffic Manager + DNS), drill
files that attach to it, and readers of the twin's state through drillkit's own adapters."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from drillkit.adapters import retry
from drillkit.adapters.connect import connect_sandbox
from drillkit.engine.records import Record, read_journal
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from drillkit.spec.loader import load_drill
from tests.conftest import ROOT, US_OUTAGE, loose_rto
from tests.polling import poll

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.1) -> T:
    """Poll ``check`` until truthy; fail with its last value otherwise."""
    return poll(check, timeout, interval)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxThread]:
    """The default world (timeScale 0.1), serving for the whole module."""
    retry.set_testing(True)
    with SandboxThread(load_world(), tmp_path_factory.mktemp("twin")) as sb:
        yield sb
    retry.set_testing(False)


class Twin:
    """Reads (and for fault tests, writes) the twin's world through drillkit's adapters."""

    def __init__(self, sb: SandboxThread) -> None:
        self.sb = sb
        self.state_dir = Path(sb.info["stateDir"])
        self.conns = connect_sandbox(load_drill(US_OUTAGE), sb.info)

    def close(self) -> None:
        self.conns.close()

    def state(self) -> dict[str, Any]:
        """Everything a drill may change: node flags, replicas, endpoint statuses, leases."""
        result: dict[str, Any] = {}
        for region, cluster in self.conns.clusters.items():
            for node in cluster.list_nodes({}):
                result[f"{region}/node/{node.name}"] = node.unschedulable
            for w in cluster.list_workloads("shop", ""):
                result[f"{region}/{w.kind}/{w.name}"] = w.replicas
            lease = cluster.get_lease("default", "drillkit-drill")
            result[f"{region}/lease"] = lease.holder if lease else None
        for e in self.conns.traffic_manager.endpoints():
            result[f"tm/{e.key}"] = e.endpoint_status
        return result

    def healthy(self) -> bool:
        """Every serving workload ready and every endpoint Online."""
        for cluster in self.conns.clusters.values():
            web = cluster.get_workload("Deployment", "shop", "web")
            if web is None or web.ready < web.replicas:
                return False
        return all(e.monitor_status == "Online" for e in self.conns.traffic_manager.endpoints())

    def events(self) -> list[dict[str, Any]]:
        """The twin's ground truth (admin /events)."""
        admin = self.sb.info["admin"]
        request = urllib.request.Request(admin["url"] + "/events")
        request.add_header("Authorization", f"Bearer {admin['token']}")
        with urllib.request.urlopen(request, timeout=5) as r:
            data: dict[str, Any] = json.load(r)
        return list(data["events"])

    def secrets(self) -> list[str]:
        """Every token the twin hands out (ARM token, kube bearer tokens)."""
        found = [self.sb.info["trafficManager"]["token"], self.sb.info["admin"]["token"]]
        config = yaml.safe_load(Path(self.sb.info["kubeconfig"]).read_text())
        found += [u["user"]["token"] for u in config["users"] if "token" in u.get("user", {})]
        return [s for s in found if s]


@pytest.fixture(scope="module")
def twin(sandbox: SandboxThread) -> Iterator[Twin]:
    t = Twin(sandbox)
    eventually(t.healthy, 30)
    yield t
    t.close()


@pytest.fixture
def healthy_twin(twin: Twin) -> Iterator[Twin]:
    """The twin, healthy and unlocked before and after the test."""
    eventually(twin.healthy, 30)
    before = twin.state()
    yield twin
    eventually(twin.healthy, 30)
    assert twin.state() == before


@pytest.fixture
def drill_file(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the shipped sandbox drill with some fields changed (dotted keys), and the
    loose ``rto`` objective unless a change sets it (tests.conftest.LOOSE_RTO)."""

    def write(name: str = "drill.yaml", **changes: Any) -> Path:
        data = loose_rto(yaml.safe_load(US_OUTAGE.read_text()))
        data["metadata"].pop("runbook", None)
        for dotted, value in changes.items():
            node = data
            *path, last = dotted.split("__")
            for key in path:
                node = node[key]
            node[last] = value
        folder = tmp_path / "drills"
        folder.mkdir(exist_ok=True)
        (folder / "world.yaml").write_text((US_OUTAGE.parent / "world.yaml").read_text())
        target = folder / name
        target.write_text(yaml.safe_dump(data))
        return target

    return write


def drillkit(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """``drillkit ARGS`` as a child process (JSON logs on stderr, output on stdout)."""
    env = dict(os.environ, DRILLKIT_LOG_FORMAT="json")
    return subprocess.Popen(
        [sys.executable, "-c", "from drillkit.cli.main import main; main()", *args],
        cwd=kwargs.pop("cwd", ROOT),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def journal_of(runs_dir: Path) -> Path | None:
    found = sorted(runs_dir.glob("*/journal.jsonl"))
    return found[-1] if found else None


def wait_for_record(
    runs_dir: Path,
    match: Callable[[Record], bool],
    proc: subprocess.Popen[str],
    timeout: float = 60.0,
) -> Record:
    """Tail the run's journal until a record matches (or the process ends: a failure)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = journal_of(runs_dir)
        if path is not None:
            for record in read_journal(path):
                if match(record):
                    return record
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"drillkit ended ({proc.returncode}) first: {err[-2000:]}")
        time.sleep(0.02)
    raise AssertionError("no matching journal record in time")


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> tuple[int, str, str]:
    """Send ``sig`` and collect the exit status and output."""
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """CliRunner swaps stderr; structlog must not keep writing to the swapped stream."""
    import structlog

    yield
    structlog.reset_defaults()
