"""Connecting to real Azure: every connect-time failure is a refusal (exit 3, nothing changed),
and a command connects only the adapters it needs (a kube-only restore: no ARM, no DNS)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from drillkit.adapters import connect
from drillkit.errors import PreflightRefused
from drillkit.exitcodes import ExitCode
from drillkit.spec.loader import load_drill
from tests.conftest import AKS_EXAMPLE
from tests.realazure.netless import drillkit_netless

ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000"}


def _kubeconfig(tmp_path: Path) -> Path:
    """Token users for the example's two contexts (servers that are never called here)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [
            {"name": name, "context": {"cluster": "c", "user": "u"}}
            for name in ("aks-eastus", "aks-westeurope")
        ],
        "current-context": "aks-eastus",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_kube_only_reconnect_touches_neither_arm_nor_dns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problem 13: reconnecting for a kube-only restore builds the clusters and never signs in
    to Azure or resolves a name server (round 1 did both, and refused when DNS was down)."""
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path)))

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kube-only restore reached for ARM or DNS")

    for name in ("azure_credential", "sign_in", "discover_nameservers", "nameserver_addresses"):
        monkeypatch.setattr(connect, name, forbidden)
    drill = load_drill(AKS_EXAMPLE, env=ENV)
    conns = connect.connect_azure(drill, needs=frozenset({"kube"}))
    try:
        assert set(conns.clusters) == {"eastus", "westeurope"}
        with pytest.raises(PreflightRefused, match="Traffic Manager was not connected"):
            conns.traffic_manager.endpoints()
    finally:
        conns.close()


def test_a_run_without_azure_sign_in_exits_3_not_4(tmp_path: Path) -> None:
    """Problems 1 and 2: `drillkit run` of the AKS example with a tenantId and no Azure sign-in
    (no network at all) stops before anything is read or changed, with exit 3, one line of
    reason and the fix (round 1: TypeError and exit 1; without a tenant, exit 4 "aborted")."""
    env = {
        **ENV,
        "AZURE_TENANT_ID": "22222222-2222-2222-2222-222222222222",
        "KUBECONFIG": str(_kubeconfig(tmp_path)),
    }
    args = ["run", str(AKS_EXAMPLE), "--yes", "--runs-dir", str(tmp_path / "runs")]
    proc = drillkit_netless(args, env, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == ExitCode.PREFLIGHT_REFUSED, out
    assert "cannot sign in to AzureCloud" in out and "az login" in out
    assert "nothing was changed" in out and "Traceback" not in out
