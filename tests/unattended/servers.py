"""Real Prometheus servers for the tests: Debian's Alertmanager and Pushgateway on loopback.

Each listens on 127.0.0.1 port 0; the port is read back from its "Listening on" log line. Each has
its own temporary config and storage, no clustering, and dies with the test process.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.realapi.processes import Child

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"
_LISTENING = re.compile(r'msg="Listening on" address=(127\.0\.0\.1:\d+)')
START_S = 30.0
AM_CONFIG = """\
route:
  receiver: blackhole
  group_wait: 0s
receivers:
  - name: blackhole
"""


def _need(binary: str) -> None:
    if shutil.which(binary) is None:
        pytest.skip(f"{binary} is not installed (apt-get install {Path(binary).name})")


def _wait_listening(child: Child, ready_path: str) -> str:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited:\n{child.tail()}")
        found = _LISTENING.search(child.log.read_text(errors="replace"))
        if found:
            url = f"http://{found.group(1)}"
            try:
                with urllib.request.urlopen(url + ready_path, timeout=2) as response:
                    if response.status == 200:
                        return url
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not become ready in {START_S:.0f}s:\n{child.tail()}")


@contextmanager
def alertmanager(workdir: Path) -> Iterator[str]:
    """A running Alertmanager; yields its base URL."""
    _need(ALERTMANAGER)
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "alertmanager.yml"
    config.write_text(AM_CONFIG, encoding="utf-8")
    child = Child(
        "alertmanager",
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            "--web.listen-address=127.0.0.1:0",
            "--cluster.listen-address=",
        ],
        workdir / "alertmanager.log",
    )
    try:
        yield _wait_listening(child, "/-/ready")
    finally:
        child.stop()


@contextmanager
def pushgateway(workdir: Path) -> Iterator[str]:
    """A running, empty Pushgateway; yields its base URL. Debian's build persists to
    ``/var/lib/prometheus/pushgateway.data`` by default, which every run on the machine would
    share (and reload at start): an empty ``--persistence.file`` keeps metrics in memory."""
    _need(PUSHGATEWAY)
    workdir.mkdir(parents=True, exist_ok=True)
    child = Child(
        "pushgateway",
        [PUSHGATEWAY, "--web.listen-address=127.0.0.1:0", "--persistence.file="],
        workdir / "pushgateway.log",
    )
    try:
        yield _wait_listening(child, "/-/ready")
    finally:
        child.stop()


def post_alert(url: str, labels: dict[str, str], minutes: int = 10) -> None:
    """Make an alert fire, as Prometheus would, through ``POST /api/v2/alerts``."""
    now = time.time()
    body = [
        {
            "labels": labels,
            "annotations": {"summary": f"test alert {labels.get('alertname', '')}"},
            "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 5)),
            "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + minutes * 60)),
        }
    ]
    request = urllib.request.Request(
        f"{url}/api/v2/alerts",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def read_text(url: str) -> str:
    """GET ``url`` as text."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())
