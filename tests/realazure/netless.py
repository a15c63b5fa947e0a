"""Run a Python snippet with no network at all (a new network namespace: not even loopback), so
that a credential cannot reach 169.254.169.254 or any resolver."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run_netless(code: str, env: dict[str, str], home: Path, timeout_s: float = 60) -> str:
    """stdout+stderr of ``python -c code`` inside ``unshare -n`` with only ``env`` set."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs unshare -n (root) to keep credentials off the network")
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": os.getcwd()}
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", code],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return proc.stdout + proc.stderr
