"""Kubernetes sign-in against the real kube-apiserver 1.20 tier: an exec plugin that yields the
operator's token signs in; one that fails is refused before the client silently sends nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from drillkit.adapters.kube import KubeCluster
from drillkit.adapters.kubeauth import check_context, credentials_obtained
from drillkit.adapters.ports import AccessCheck
from drillkit.errors import AdapterError, PreflightRefused
from tests.realapi.cluster import RealCluster
from tests.realapi.fixtures import real_cluster  # noqa: F401

CONTEXT = "real-us"


def _exec_kubeconfig(cluster: RealCluster, tmp_path: Path, script: str) -> tuple[Path, str]:
    """The tier's kubeconfig with real-us's user replaced by a fake kubelogin on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    plugin = bin_dir / "kubelogin"
    plugin.write_text(script)
    plugin.chmod(0o755)
    doc = yaml.safe_load(cluster.kubeconfig.read_text())
    user = next(c["context"]["user"] for c in doc["contexts"] if c["name"] == CONTEXT)
    for entry in doc["users"]:
        if entry["name"] == user:
            entry["user"] = {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": str(plugin),
                    "args": ["get-token", "--login", "azurecli"],
                }
            }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path, str(bin_dir)


def test_a_working_plugin_signs_in_to_the_real_apiserver(
    real_cluster: RealCluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A plugin printing the operator's token passes the check and the cluster answers."""
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "status": {"token": real_cluster.operator_token},
    }
    path, _ = _exec_kubeconfig(
        real_cluster, tmp_path, f"#!/bin/sh\necho '{json.dumps(credential)}'\n"
    )
    assert check_context(CONTEXT, str(path), timeout_s=10).kind == "exec"
    cluster = KubeCluster(CONTEXT, str(path))
    try:
        assert cluster.can_i(AccessCheck("patch", "nodes"))
    finally:
        cluster.close()


def test_a_failing_plugin_is_refused_before_the_client_sends_nothing(
    real_cluster: RealCluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Problem 4 on a real API server: with a failing plugin the official client still loads
    the context and sends no credentials (the server refuses it), while check_context refuses
    up front, naming the plugin, its stderr and the kubelogin fix."""
    script = "#!/bin/sh\necho 'AADSTS50173: the grant has expired' >&2\nexit 1\n"
    path, _ = _exec_kubeconfig(real_cluster, tmp_path, script)
    cluster = KubeCluster(CONTEXT, str(path))
    try:
        assert not credentials_obtained(cluster._api.configuration)
        with pytest.raises(AdapterError):
            cluster.can_i(AccessCheck("patch", "nodes"))
    finally:
        cluster.close()
    with pytest.raises(PreflightRefused, match=r"exec plugin kubelogin failed .*AADSTS50173"):
        check_context(CONTEXT, str(path), timeout_s=10)
