"""The Sandbox runtime: component hook, world.json merging and ordering, atomic files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from drillkit.sandbox.runtime import SandboxContext, SandboxThread
from drillkit.sandbox.world import World


class Recorder:
    """A component that records its calls and contributes world.json keys."""

    def __init__(self, name: str, log: list[str], fail: bool = False) -> None:
        self.name, self.log, self.fail = name, log, fail
        self.saw_world_json: bool | None = None
        self.ready: int | None = None

    async def start(self, ctx: SandboxContext) -> Mapping[str, Any]:
        self.log.append(f"start {self.name}")
        self.saw_world_json = (ctx.state_dir / "world.json").exists()
        self.ready = ctx.kube["us"].ready_replicas("shop", "Deployment", "web")
        ctx.faults(self.name)
        if self.fail:
            raise RuntimeError("component failed")
        return {self.name: {"port": 1}, "regions": {"us": {f"{self.name}Ingress": "x"}}}

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


def test_components_start_in_order_and_add_keys(world: World, tmp_path: Path) -> None:
    """Components start after the twins, merge keys into world.json and stop in reverse."""
    log: list[str] = []
    first, second = Recorder("arm", log), Recorder("dns", log)
    with SandboxThread(world, tmp_path, components=[first, second], fault_rate=0.25) as sb:
        info = json.loads((tmp_path / "world.json").read_text())
        assert info == sb.info
        rates = sb.call(
            lambda s: {k: v.rate for k, v in (s.ctx.injectors if s.ctx else {}).items()}
        )
    assert log == ["start arm", "start dns", "stop dns", "stop arm"]
    assert not (tmp_path / "world.json").exists()  # removed on stop: its servers are gone
    assert first.saw_world_json is False and first.ready == 0
    assert info["arm"] == {"port": 1} and info["dns"] == {"port": 1}
    assert info["regions"]["us"]["armIngress"] == "x"
    assert info["regions"]["us"]["kubeContext"] == "sandbox-us"
    assert rates == {"kube": 0.25, "arm": 0.25, "dns": 0.25}


def test_failed_component_stops_what_started(world: World, tmp_path: Path) -> None:
    """A component that fails to start stops the earlier ones and no world.json is left."""
    log: list[str] = []
    with (
        pytest.raises(RuntimeError, match="component failed"),
        SandboxThread(
            world, tmp_path, components=[Recorder("arm", log), Recorder("dns", log, fail=True)]
        ),
    ):
        pass
    assert log == ["start arm", "start dns", "stop arm"]
    assert not (tmp_path / "world.json").exists()


def test_state_files_are_private_and_absolute(world: World, tmp_path: Path) -> None:
    """The kubeconfig (it holds tokens) is mode 600 and world.json paths are absolute."""
    with SandboxThread(world, tmp_path / "rel", components=[]) as sb:
        config = Path(sb.info["kubeconfig"])
        assert config.is_absolute() and config.stat().st_mode & 0o777 == 0o600
        assert Path(sb.info["caFile"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert not list((tmp_path / "rel").glob(".world.json.*"))


def test_settled_waits_for_every_replica_to_be_ready(world: World, tmp_path: Path) -> None:
    """``settled`` returns once every Deployment and StatefulSet replica is Ready everywhere."""
    with SandboxThread(world, tmp_path, components=[]) as sb:
        assert sb.run(sb.sandbox.settled(timeout=10.0)) is True
        ready = sb.call(
            lambda s: {
                region: (
                    twin.ready_replicas("shop", "Deployment", "web"),
                    twin.ready_replicas("shop", "StatefulSet", "cart"),
                )
                for region, twin in s.kube.items()
            }
        )
    assert ready == {"us": (3, 2), "eu": (3, 2)}
