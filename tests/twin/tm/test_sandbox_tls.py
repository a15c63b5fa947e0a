"""One certificate authority for the whole sandbox, and no secret on disk readable by others."""

from __future__ import annotations

import json
import socket
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.tls import make_authority, write_private
from drillkit.sandbox.world import World
from drillkit.spec.durations import Duration


@pytest.fixture(scope="module")
def sandbox(fast_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxThread]:
    """A whole sandbox (kube twins plus the Traffic Manager twin)."""
    world = fast_world.model_copy(update={"pod_ready_delay": Duration(0.05)})
    with SandboxThread(world, tmp_path_factory.mktemp("tls")) as sb:
        yield sb


def _handshake(context: ssl.SSLContext, address: str, port: int, name: str) -> None:
    with (
        socket.create_connection((address, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=name) as tls,
    ):
        assert tls.version() is not None


def test_one_ca_file_verifies_kube_arm_and_ingress(sandbox: SandboxThread) -> None:
    """world.json's one caFile verifies the kube API servers, the ARM twin and every ingress."""
    info = json.loads((sandbox.state_dir / "world.json").read_text())
    assert info["trafficManager"]["caFile"] == info["caFile"]
    context = ssl.create_default_context(cafile=info["caFile"])
    for region in info["regions"].values():
        host, port = region["apiServer"].removeprefix("https://").rsplit(":", 1)
        _handshake(context, host, int(port), host)
        ingress = region["ingress"]
        _handshake(context, ingress["address"], ingress["tlsPort"], ingress["host"])
    host, port = info["trafficManager"]["armUrl"].removeprefix("https://").rsplit(":", 1)
    _handshake(context, host, int(port), host)


def test_no_secret_in_the_state_dir_is_readable_by_others(sandbox: SandboxThread) -> None:
    """world.json, the kubeconfig and any private key in the state dir are 0600."""
    for path in Path(sandbox.state_dir).iterdir():
        text = path.read_text(errors="replace") if path.is_file() else ""
        if path.name in ("world.json", "kubeconfig") or "PRIVATE KEY" in text:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_private_keys_are_created_0600(tmp_path: Path) -> None:
    """write_private creates the file with mode 0600 from the start (no chmod window)."""
    key = tmp_path / "server.key"
    write_private(key, make_authority().key_pem)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.tmp"))
