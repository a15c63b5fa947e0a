"""Helpers for running drills on the real kube-apiserver tier as a ServiceAccount.

The Traffic Manager and DNS twins come from a sandbox; the kube contexts the drill names point at
the real tier with a ServiceAccount's token (TokenRequest API), so that real RBAC decides.
"""

from __future__ import annotations

import json
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from tests.realapi.cluster import RealCluster

SA_NAMESPACE = "drillkit-rbac"
SA_NAME = "runner"


def kubectl(
    cluster: RealCluster, region: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """kubectl as the tier's operator in ``region``."""
    return subprocess.run(
        ["kubectl", f"--kubeconfig={cluster.kubeconfig}", f"--context=real-{region}", *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def must(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def service_account_token(cluster: RealCluster, region: str) -> str:
    """Create the ServiceAccount (if needed) and ask the TokenRequest API for a token."""
    for args in (
        ["create", "namespace", SA_NAMESPACE],
        ["-n", SA_NAMESPACE, "create", "serviceaccount", SA_NAME],
    ):
        done = kubectl(cluster, region, *args)
        assert done.returncode == 0 or "already exists" in done.stderr.lower(), done.stderr
    request = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": 3600},
    }
    raw = must(
        kubectl(
            cluster,
            region,
            "create",
            "--raw",
            f"/api/v1/namespaces/{SA_NAMESPACE}/serviceaccounts/{SA_NAME}/token",
            "-f",
            "-",
            stdin=json.dumps(request),
        )
    )
    return str(json.loads(raw)["status"]["token"])


def write_kubeconfig(cluster: RealCluster, tokens: dict[str, str], path: Path) -> Path:
    """A kubeconfig with contexts ``rbac-<region>``: the real tier, as the ServiceAccount."""
    base = yaml.safe_load(cluster.kubeconfig.read_text())
    contexts = {c["name"]: c["context"] for c in base["contexts"]}
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": base["clusters"],
        "users": [],
        "contexts": [],
        "current-context": "",
    }
    for region, token in tokens.items():
        cluster_name = contexts[f"real-{region}"]["cluster"]
        doc["users"].append({"name": f"rbac-{region}", "user": {"token": token}})
        doc["contexts"].append(
            {
                "name": f"rbac-{region}",
                "context": {"cluster": cluster_name, "user": f"rbac-{region}"},
            }
        )
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def attach_dir(world_info: dict[str, Any], kubeconfig: Path, state_dir: Path) -> Path:
    """A state dir for ``--attach``: the sandbox's twins, the real tier's kube contexts."""
    state_dir.mkdir(parents=True, exist_ok=True)
    info = dict(world_info, kubeconfig=str(kubeconfig), stateDir=str(state_dir))
    (state_dir / "world.json").write_text(json.dumps(info), encoding="utf-8")
    return state_dir


def can_i(
    cluster: RealCluster, region: str, *, verb: str, group: str, resource: str, namespace: str
) -> bool:
    """Ask the authorizer directly (a SubjectAccessReview, as the operator) whether the
    ServiceAccount may ``verb`` ``resource`` in ``group``.

    Not ``kubectl auth can-i``: kubectl first resolves the resource through discovery, and for a
    group the server does not serve (keda.sh on a cluster without KEDA) it never asks the question
    the generated rule answers.
    """
    resource, _, sub = resource.partition("/")
    attributes = {"verb": verb, "group": group, "resource": resource, "namespace": namespace}
    if sub:
        attributes["subresource"] = sub
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": f"system:serviceaccount:{SA_NAMESPACE}:{SA_NAME}",
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{SA_NAMESPACE}"],
            "resourceAttributes": attributes,
        },
    }
    out = must(
        kubectl(cluster, region, "create", "-o", "json", "-f", "-", stdin=json.dumps(review))
    )
    return bool(json.loads(out)["status"].get("allowed", False))


def wait_can_i(
    cluster: RealCluster,
    region: str,
    *,
    rule: dict[str, Any],
    namespace: str,
    expected: bool,
    timeout: float = 20.0,
) -> None:
    """Wait until the authorizer's cache agrees with the RBAC objects just written."""
    group = rule["apiGroups"][0]
    deadline = time.monotonic() + timeout
    for resource in rule["resources"]:
        allowed = partial(
            can_i, cluster, region,
            verb=rule["verbs"][0], group=group, resource=resource, namespace=namespace,
        )  # fmt: skip
        while allowed() != expected:
            assert time.monotonic() < deadline, f"RBAC for {resource} never became {expected}"
            time.sleep(0.2)


def world_state(cluster: RealCluster) -> dict[str, Any]:
    """What a drill may change on the real tier: node flags, shop replicas, the drill Lease."""
    state: dict[str, Any] = {}
    for region in cluster.regions:
        nodes = json.loads(must(kubectl(cluster, region, "get", "nodes", "-o", "json")))
        for node in nodes["items"]:
            state[f"{region}/{node['metadata']['name']}"] = bool(
                node["spec"].get("unschedulable", False)
            )
        apps = json.loads(
            must(
                kubectl(
                    cluster, region, "-n", "shop", "get", "deployments,statefulsets", "-o", "json"
                )
            )
        )
        for item in apps["items"]:
            state[f"{region}/{item['kind']}/{item['metadata']['name']}"] = item["spec"]["replicas"]
        lease = kubectl(cluster, region, "-n", "default", "get", "lease", "drillkit-drill")
        state[f"{region}/lease"] = lease.returncode == 0
    return state
