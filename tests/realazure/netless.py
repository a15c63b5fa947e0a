"""Run a process with no network at all (a new network namespace: not even loopback), so that
a credential cannot reach 169.254.169.254 or any resolver."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def netless(
    argv: list[str], env: dict[str, str], home: Path, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    """``argv`` inside ``unshare -n`` with only ``env`` (plus PATH, HOME, PYTHONPATH) set."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs unshare -n (root) to keep credentials off the network")
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        ["unshare", "-n", *argv],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def run_netless(code: str, env: dict[str, str], home: Path, timeout_s: float = 60) -> str:
    """stdout+stderr of ``python -c code`` run by :func:`netless`."""
    proc = netless([sys.executable, "-c", code], env, home, timeout_s)
    return proc.stdout + proc.stderr


def drillkit_netless(
    args: list[str], env: dict[str, str], home: Path
) -> subprocess.CompletedProcess[str]:
    """``drillkit ARGS`` run by :func:`netless`."""
    entry = "from drillkit.cli.main import main; main()"
    return netless([sys.executable, "-c", entry, *args], env, home)
