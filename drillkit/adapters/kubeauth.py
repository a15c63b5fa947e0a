"""Kubernetes sign-in, checked before anything else: each context must yield credentials.

The kubernetes client logs and swallows a failing exec plugin (kubelogin on Entra ID AKS) and
then sends no credentials at all, so preflight only sees "401". Here the plugin runs once under
a timeout (a device-code login waits for a person nobody sees in a pipeline), and a failure is
a refusal naming the plugin, its stderr and the kubelogin command that avoids it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillkit.adapters.errors import short
from drillkit.errors import PreflightRefused

IN_CLUSTER = "in-cluster"
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
PLUGIN_TIMEOUT_S = 30.0
DEVICE_CODE_TIMEOUT_S = 300.0
PIPELINE_VARIABLES = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "KUBERNETES_SERVICE_HOST")


@dataclass(frozen=True, slots=True)
class KubeSignIn:
    """How a context authenticates, once checked: ``kind`` is token, exec, certificate,
    basic, auth-provider or in-cluster; ``detail`` names the plugin or the file."""

    context: str
    kind: str
    detail: str = ""


def _in_pipeline(env: dict[str, str]) -> bool:
    return any(env.get(name) for name in PIPELINE_VARIABLES)


def _hint(env: dict[str, str]) -> str:
    if _in_pipeline(env):
        return (
            "in a pipeline or pod run `kubelogin convert-kubeconfig -l workloadidentity` "
            "(with AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE set)"
        )
    return "run `az login`, then `kubelogin convert-kubeconfig -l azurecli`"


def check_in_cluster(
    env: dict[str, str] | None = None, account_dir: Path = SERVICE_ACCOUNT_DIR
) -> KubeSignIn:
    """``kubeContext: in-cluster``: the pod's service account (KUBERNETES_SERVICE_HOST/PORT,
    token and CA at the standard path) must be there."""
    env = dict(os.environ if env is None else env)
    missing = [v for v in ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT") if not env.get(v)]
    missing += [
        str(account_dir / f) for f in ("token", "ca.crt") if not (account_dir / f).is_file()
    ]
    if missing:
        raise PreflightRefused(
            "kubeContext in-cluster needs the pod's service account, but "
            + ", ".join(missing)
            + " is missing; run drillkit in a pod with automountServiceAccountToken, or name a "
            "kubeconfig context; nothing was changed"
        )
    return KubeSignIn(IN_CLUSTER, "in-cluster", str(account_dir / "token"))


def _context_user(kubeconfig: dict[str, Any], context: str) -> tuple[str, dict[str, Any]]:
    contexts = {c.get("name"): c.get("context") or {} for c in kubeconfig.get("contexts") or []}
    if context not in contexts:
        raise PreflightRefused(
            f"kube context {context} is not in the kubeconfig; check the name with "
            "`kubectl config get-contexts`; nothing was changed"
        )
    name = str(contexts[context].get("user") or "")
    users = {u.get("name"): u.get("user") or {} for u in kubeconfig.get("users") or []}
    return name, dict(users.get(name) or {})


def check_context(
    context: str,
    kubeconfig: str | None = None,
    *,
    timeout_s: float = PLUGIN_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> KubeSignIn:
    """Check that ``context`` yields credentials; run its exec plugin once, bounded."""
    env = dict(os.environ if env is None else env)
    if context == IN_CLUSTER:
        return check_in_cluster(env)
    data = _load(kubeconfig, env)
    user_name, user = _context_user(data, context)
    if user.get("exec"):
        return _check_exec(context, user["exec"], env, timeout_s)
    if user.get("token") or user.get("tokenFile"):
        return KubeSignIn(context, "token")
    if user.get("client-certificate") or user.get("client-certificate-data"):
        return KubeSignIn(context, "certificate")
    if user.get("username"):
        return KubeSignIn(context, "basic")
    if user.get("auth-provider"):
        name = str((user["auth-provider"] or {}).get("name", ""))
        if name == "azure":
            raise PreflightRefused(
                f"kube context {context} uses the removed 'azure' auth-provider; "
                f"{_hint(env)}; nothing was changed"
            )
        return KubeSignIn(context, "auth-provider", name)
    raise PreflightRefused(
        f"kube context {context} (user {user_name or '?'}) has no credentials: no token, "
        f"certificate or exec plugin; {_hint(env)}; nothing was changed"
    )


def _load(kubeconfig: str | None, env: dict[str, str]) -> dict[str, Any]:
    import yaml

    paths = [kubeconfig] if kubeconfig else (env.get("KUBECONFIG") or "").split(os.pathsep)
    paths = [p for p in paths if p] or [
        str(Path(env.get("HOME", "~")).expanduser() / ".kube/config")
    ]
    merged: dict[str, Any] = {"contexts": [], "users": []}
    for path in paths:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            continue
        except (OSError, yaml.YAMLError) as e:
            raise PreflightRefused(
                f"cannot read kubeconfig {path}: {short(e)}; nothing was changed"
            ) from e
        for key in ("contexts", "users"):
            merged[key].extend(data.get(key) or [])
    return merged


def _check_exec(
    context: str, spec: dict[str, Any], env: dict[str, str], timeout_s: float
) -> KubeSignIn:
    command = str(spec.get("command") or "")
    args = [str(a) for a in spec.get("args") or []]
    plugin = Path(command).name or "?"
    what = f"kube context {context}: exec plugin {plugin}"
    interactive = _device_code(args)
    if interactive and not sys.stdin.isatty():
        raise PreflightRefused(
            f"{what} asks for a device-code login, which waits for a person at a browser; "
            f"{_hint(env)}; nothing was changed"
        )
    if interactive:  # a person is there: show the prompt, give them time
        timeout_s = max(timeout_s, DEVICE_CODE_TIMEOUT_S)
    plugin_env = {**env, **{str(e["name"]): str(e["value"]) for e in spec.get("env") or []}}
    plugin_env["KUBERNETES_EXEC_INFO"] = json.dumps(
        {
            "apiVersion": spec.get("apiVersion", "client.authentication.k8s.io/v1beta1"),
            "kind": "ExecCredential",
            "spec": {"interactive": False},
        }
    )
    try:
        proc = subprocess.Popen(
            [command, *args],
            env=plugin_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None if interactive else subprocess.PIPE,
            start_new_session=True,  # so that a timeout ends the plugin's children too
        )
    except OSError as e:
        raise PreflightRefused(
            f"{what} cannot start ({short(e, 160)}); install it (e.g. `az aks install-cli` for "
            f"kubelogin) and {_hint(env)}; nothing was changed"
        ) from e
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        err = err or b""
        raise PreflightRefused(
            f"{what} did not answer within {timeout_s:g} s (a login waiting for a person?): "
            f"{short(err.decode('utf-8', 'replace'), 200) or 'no output'}; {_hint(env)}; "
            "nothing was changed"
        ) from None
    stderr = short((err or b"").decode("utf-8", "replace").strip(), 300)
    if proc.returncode != 0:
        raise PreflightRefused(
            f"{what} failed (exit {proc.returncode}): {stderr or 'no stderr'}; {_hint(env)}; "
            "nothing was changed"
        )
    try:
        status = json.loads(out.decode("utf-8", "replace")).get("status") or {}
    except (ValueError, AttributeError):
        status = {}
    if not (status.get("token") or status.get("clientCertificateData")):
        raise PreflightRefused(
            f"{what} returned no token (stderr: {stderr or 'none'}); {_hint(env)}; "
            "nothing was changed"
        )
    return KubeSignIn(context, "exec", plugin)


def _device_code(args: list[str]) -> bool:
    joined = " ".join(args).lower()
    return "devicecode" in joined.replace("-", "").replace("_", "")


def credentials_obtained(configuration: Any) -> bool:
    """Whether a loaded kubernetes client configuration carries any credentials."""
    api_key = getattr(configuration, "api_key", None) or {}
    return bool(
        api_key.get("authorization")
        or api_key.get("BearerToken")
        or getattr(configuration, "cert_file", None)
        or getattr(configuration, "username", None)
    )
