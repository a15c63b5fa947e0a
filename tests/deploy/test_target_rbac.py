"""deploy/kubernetes/target-rbac is exactly what ``drillkit rbac`` prints for the shipped drill,
so the shipped least-privilege RBAC cannot drift from what the faults declare."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.deploy.manifests import DEPLOY

DRILL = DEPLOY / "kubernetes/base/drills/eastus-outage.yaml"
TARGET = DEPLOY / "kubernetes/target-rbac"
ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
       "TEAMS_WEBHOOK_URL": "https://example.invalid/hook"}  # fmt: skip
USER = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize("region", ["eastus", "westeurope"])
def test_shipped_rbac_is_the_generated_rbac(region: str) -> None:
    """Each region's file is byte for byte ``drillkit rbac --part kubernetes --region R``."""
    result = CliRunner(env=ENV).invoke(cli, [
        "rbac", str(DRILL), "--part", "kubernetes", "--region", region, "--user", USER,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (TARGET / f"{region}.yaml").read_text() == result.output


def test_shipped_azure_role_is_the_generated_role() -> None:
    """azure-role.json is ``drillkit rbac --format json --part azure``: read-only actions for a
    scale-down drill."""
    result = CliRunner(env=ENV).invoke(cli, ["rbac", str(DRILL), "--format", "json",
                                             "--part", "azure"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (TARGET / "azure-role.json").read_text() == result.output
    assert "/write" not in result.output


def test_shipped_rbac_validates(tmp_path: Path) -> None:
    """kubernetes-validate --strict accepts every RBAC object shipped."""
    items = [
        i for f in sorted(TARGET.glob("*.yaml")) for i in yaml.safe_load(f.read_text())["items"]
    ]
    path = tmp_path / "rbac.yaml"
    path.write_text(yaml.safe_dump_all(items))
    done = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", "1.30.0", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
