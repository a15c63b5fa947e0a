"""A wheel installed into a fresh venv, used from outside the clone, runs the sandbox and a drill.

Built and installed offline (no index): the wheel with --no-build-isolation, the fresh venv
borrowing this environment's dependencies through a .pth file, never the clone itself.
"""

from __future__ import annotations

import importlib.util
import signal
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        importlib.util.find_spec("hatchling") is None, reason="needs hatchling to build the wheel"
    ),
]


def _install(tmp_path: Path) -> Path:
    """Build the wheel and install it alone into a new venv; returns the venv's bin directory."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(wheels), str(ROOT)],
        check=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
    )
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("drillkit-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        check=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip
    # Dependencies only: a path listed in a .pth file is added, its own .pth files (this
    # environment's editable install of the clone) are not processed.
    (Path(purelib) / "borrowed-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv / "bin"


def test_fresh_install_outside_the_clone_runs_sandbox_up_and_the_default_drill(tmp_path):
    """From a directory outside the clone: sandbox up with no --world, then init and run a drill."""
    bin_dir = _install(tmp_path)
    outside = tmp_path / "project"
    outside.mkdir()
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import drillkit; print(drillkit.__file__)"],
        capture_output=True, text=True, check=True, cwd=outside, timeout=30,
    ).stdout  # fmt: skip
    assert where.startswith(str(tmp_path / "venv")), where
    up = subprocess.Popen(
        [str(bin_dir / "drillkit"), "sandbox", "up", "--state-dir", "state"],
        cwd=outside, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert up.stdout is not None
        first = up.stdout.readline()
    finally:
        up.send_signal(signal.SIGINT)
        _, err = up.communicate(timeout=30)
    assert first.startswith("sandbox ready: export KUBECONFIG="), err[-2000:]
    assert up.returncode == 0, err[-2000:]
    init = subprocess.run(
        [str(bin_dir / "drillkit"), "sandbox", "init"],
        cwd=outside, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    run = subprocess.run(
        [str(bin_dir / "drillkit"), "run", "drills/sandbox/us-outage.yaml", "--yes"],
        cwd=outside, capture_output=True, text=True, timeout=150, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((outside / "runbooks" / "evidence").glob("*.md"))
