"""Render the shipped deploy/ files for the tests: kustomize output, parsed documents."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = ("kubernetes/base", "kubernetes/restore")


def kubectl() -> str:
    """Path of kubectl, or skip the test."""
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not installed (its built-in kustomize renders deploy/kubernetes)")
    return found


def kustomize(path: str) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize deploy/<path>`` renders."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(DEPLOY / path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The one object of ``kind``."""
    found = [o for o in objects if o["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def write_all(objects: list[dict[str, Any]], path: Path) -> Path:
    """Write objects as one multi-document YAML file."""
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False), encoding="utf-8")
    return path
