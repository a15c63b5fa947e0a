"""Kubernetes sign-in: an exec plugin (kubelogin) that fails or hangs is a refusal naming the
plugin, its stderr and the kubelogin fix, bounded by a timeout; in-cluster needs the pod's
service account."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from drillkit.adapters.kubeauth import check_context, check_in_cluster, credentials_obtained
from drillkit.errors import PreflightRefused
from drillkit.exitcodes import ExitCode

PLUGINS = {
    "ok": '#!/bin/sh\necho \'{"apiVersion": "client.authentication.k8s.io/v1beta1", '
    '"kind": "ExecCredential", "status": {"token": "t0ken"}}\'\n',
    "fail": "#!/bin/sh\necho 'AADSTS700082: The refresh token has expired' >&2\nexit 1\n",
    "hang": "#!/bin/sh\necho 'To sign in, use a web browser to open "
    "https://microsoft.com/devicelogin' >&2\nsleep 60\n",
}


def _kubeconfig(
    tmp_path: Path, mode: str, args: list[str] | None = None
) -> tuple[str, dict[str, str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    plugin = bin_dir / "kubelogin"
    plugin.write_text(PLUGINS[mode])
    plugin.chmod(0o755)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "aks", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "aks-eastus", "context": {"cluster": "aks", "user": "entra"}}],
        "current-context": "aks-eastus",
        "users": [
            {
                "name": "entra",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": args or ["get-token", "--login", "azurecli", "--server-id", "x"],
                        "interactiveMode": "IfAvailable",
                    }
                },
            }
        ],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path), {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}


def test_a_working_plugin_signs_in(tmp_path: Path) -> None:
    """A plugin that prints an ExecCredential with a token passes, and says which plugin."""
    path, env = _kubeconfig(tmp_path, "ok")
    signed = check_context("aks-eastus", path, env=env, timeout_s=10)
    assert (signed.kind, signed.detail) == ("exec", "kubelogin")


def test_the_kubernetes_client_hides_a_failing_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problem 4, as found: the official client loads a context whose plugin fails and carries
    on with no credentials; credentials_obtained() sees that."""
    from kubernetes import config

    path, env = _kubeconfig(tmp_path, "fail")
    monkeypatch.setenv("PATH", env["PATH"])
    client = config.new_client_from_config(
        config_file=path, context="aks-eastus", persist_config=False
    )
    try:
        assert not credentials_obtained(client.configuration)
    finally:
        client.close()


def test_a_failing_plugin_is_refused_with_its_stderr_and_the_hint(tmp_path: Path) -> None:
    """Problem 4: the refusal (exit 3) names the context and plugin, quotes its stderr, and
    gives `kubelogin convert-kubeconfig -l azurecli` on a laptop."""
    path, env = _kubeconfig(tmp_path, "fail")
    with pytest.raises(PreflightRefused) as caught:
        check_context("aks-eastus", path, env=env, timeout_s=10)
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.PREFLIGHT_REFUSED
    assert "kube context aks-eastus: exec plugin kubelogin failed (exit 1)" in message
    assert "AADSTS700082" in message and "kubelogin convert-kubeconfig -l azurecli" in message


def test_in_a_pipeline_the_hint_is_workload_identity(tmp_path: Path) -> None:
    """With CI set, the hint is `kubelogin convert-kubeconfig -l workloadidentity`."""
    path, env = _kubeconfig(tmp_path, "fail")
    with pytest.raises(PreflightRefused, match="-l workloadidentity"):
        check_context("aks-eastus", path, env={**env, "CI": "true"}, timeout_s=10)


def test_a_hanging_plugin_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    """A plugin waiting for a login nobody sees is stopped after the timeout and refused."""
    path, env = _kubeconfig(tmp_path, "hang")
    started = time.monotonic()
    with pytest.raises(PreflightRefused, match=r"did not answer within 1 s .*devicelogin"):
        check_context("aks-eastus", path, env=env, timeout_s=1)
    assert time.monotonic() - started < 5


def test_a_device_code_login_without_a_terminal_is_refused_at_once(tmp_path: Path) -> None:
    """A devicecode kubeconfig in a pipeline (no terminal) is refused without running it."""
    path, env = _kubeconfig(tmp_path, "hang", ["get-token", "--login", "devicecode"])
    started = time.monotonic()
    with pytest.raises(PreflightRefused, match="device-code login"):
        check_context("aks-eastus", path, env=env, timeout_s=30)
    assert time.monotonic() - started < 2


def test_a_missing_plugin_says_how_to_install_it(tmp_path: Path) -> None:
    """A kubeconfig naming a plugin that is not on PATH is refused with the install hint."""
    path, env = _kubeconfig(tmp_path, "ok")
    with pytest.raises(PreflightRefused, match=r"cannot start .*az aks install-cli"):
        check_context("aks-eastus", path, env={**env, "PATH": "/nonexistent"}, timeout_s=5)


def test_in_cluster_needs_the_service_account(tmp_path: Path) -> None:
    """kubeContext in-cluster uses the pod's service account: refused when it is absent,
    accepted when KUBERNETES_SERVICE_HOST/PORT and the token and CA are there."""
    with pytest.raises(PreflightRefused, match="KUBERNETES_SERVICE_HOST"):
        check_in_cluster({}, tmp_path)
    (tmp_path / "token").write_text("t")
    (tmp_path / "ca.crt").write_text("c")
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    assert check_in_cluster(env, tmp_path).kind == "in-cluster"
