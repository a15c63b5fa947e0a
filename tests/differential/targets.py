"""The two clusters a differential scenario runs against, behind one small interface.

``real``: region us of the real tier (tests/realapi). ``twin``: region us of
``drillkit sandbox up --state-dir DIR``, started as a subprocess once per session; it writes
``DIR/world.json`` (kubeconfig, regions.us.kubeContext/viewerContext) when it is ready.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client, config

from tests.realapi.rawapi import raw

__all__ = ["DRILLKIT", "Target", "Twin", "raw", "twin_unavailable"]

TWIN_READY_S = 30.0
# the console script, run by this interpreter (works without the entry point on PATH)
DRILLKIT = [sys.executable, "-c", "from drillkit.cli.main import main; main()"]


@dataclass(frozen=True)
class Target:
    """One cluster: where its kubeconfig is and which contexts to use."""

    name: str
    kubeconfig: Path
    context: str
    viewer_context: str

    def api(self, viewer: bool = False) -> client.ApiClient:
        """A new ApiClient (close it: ``with target.api() as api``)."""
        context = self.viewer_context if viewer else self.context
        return config.new_client_from_config(str(self.kubeconfig), context=context)

    def kubectl(
        self, *args: str, viewer: bool = False, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        """Run the machine's kubectl against this cluster."""
        context = self.viewer_context if viewer else self.context
        return subprocess.run(
            ["kubectl", f"--kubeconfig={self.kubeconfig}", f"--context={context}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )


def plain_world_yaml() -> str:
    """The default world without AKS realism: the real tier has three plain nodes per region
    and no AKS add-ons, so the twin is compared on the same shape."""
    import yaml

    from drillkit.sandbox.world import DEFAULT_WORLD

    data = yaml.safe_load(DEFAULT_WORLD.read_text())
    data["aks"] = {"enabled": False}
    return yaml.safe_dump(data, sort_keys=False)


def twin_unavailable() -> str | None:
    """Why the twin cannot be started here, or None."""
    try:
        probe = subprocess.run(
            [*DRILLKIT, "sandbox", "up", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"drillkit sandbox up is not available: {exc}"
    if probe.returncode != 0 or "--state-dir" not in probe.stdout:
        tail = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"drillkit sandbox up is not available yet: {tail[0]}"
    return None


class Twin:
    """``drillkit sandbox up`` as a subprocess, waited on through its world.json."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="drillkit-twin-"))
        self.log = (self.dir / "sandbox.log").open("wb")
        self.proc: subprocess.Popen[bytes] | None = None
        self.world: dict[str, Any] = {}

    def start(self) -> Target:
        state = self.dir / "state"
        world = self.dir / "world.yaml"
        world.write_text(plain_world_yaml())
        self.proc = subprocess.Popen(
            [*DRILLKIT, "sandbox", "up", "--world", str(world), "--state-dir", str(state)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        world_json = state / "world.json"
        deadline = time.monotonic() + TWIN_READY_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.world = json.loads(world_json.read_text())
                break
            time.sleep(0.1)
        if not self.world:
            log = (self.dir / "sandbox.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(
                f"the twin did not write {world_json} in {TWIN_READY_S:.0f} s:\n{log}"
            )
        region = self.world["regions"]["us"]
        return Target(
            name="twin",
            kubeconfig=Path(self.world["kubeconfig"]),
            context=region["kubeContext"],
            viewer_context=region.get("viewerContext", region["kubeContext"] + "-viewer"),
        )

    def stop(self) -> None:
        """SIGTERM, bounded wait, SIGKILL; then remove the state directory."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
        finally:
            self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)
