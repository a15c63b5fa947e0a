"""Server-side dry runs of the shipped manifests against the real kube-apiserver 1.20 tier.

Dry-run lets one "send requests to modifying endpoints, and see if the request would have
succeeded (admission chain, validation, merge conflicts, …) and/or what would have happened
without having it actually happen" — https://www.kubernetes.dev/resources/keps/576/
"""

from __future__ import annotations

import copy
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import kubectl, kustomize, write_all

pytestmark = pytest.mark.realapi
KNOWN_TO_1_20 = {"Namespace", "ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Job"}


def _kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [kubectl(), f"--kubeconfig={kubeconfig}", "--context=real-us", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _in_namespace(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    moved = []
    for original in objects:
        obj = copy.deepcopy(original)
        if obj["kind"] != "Namespace":
            obj["metadata"]["namespace"] = namespace
        moved.append(obj)
    return moved


def test_every_kind_that_1_20_knows_passes_a_server_side_dry_run(
    real_kubeconfig: Path, tmp_path: Path
) -> None:
    """Namespace, ServiceAccount, ConfigMap, PVC and the restore Job are accepted by a real
    apiserver with --dry-run=server, and nothing is created."""
    namespace = f"drillkit-{uuid.uuid4().hex[:6]}"
    created = _kubectl(real_kubeconfig, "create", "namespace", namespace)
    assert created.returncode == 0, created.stderr
    try:
        objects = kustomize("kubernetes/base") + kustomize("kubernetes/restore")
        known = [o for o in _in_namespace(objects, namespace) if o["kind"] in KNOWN_TO_1_20]
        assert {o["kind"] for o in known} == KNOWN_TO_1_20
        path = write_all(known, tmp_path / "known.yaml")
        done = _kubectl(real_kubeconfig, "apply", "--dry-run=server", "-f", str(path))
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("(server dry run)") == len(known), done.stdout
        left = _kubectl(
            real_kubeconfig, "get", "configmap,pvc,job,sa", "-n", namespace, "-o", "name"
        )
        assert [n for n in left.stdout.split() if "default" not in n] == []
    finally:
        _kubectl(real_kubeconfig, "delete", "namespace", namespace, "--wait=false")


def test_the_cronjob_needs_a_newer_apiserver_than_the_tier(
    real_kubeconfig: Path, tmp_path: Path
) -> None:
    """batch/v1 CronJob (GA in 1.21) with timeZone (GA in 1.27) is unknown to 1.20, which is
    why the CronJob is checked by kubernetes-validate against the 1.30 schema instead."""
    cron = [o for o in kustomize("kubernetes/base") if o["kind"] == "CronJob"]
    path = write_all(_in_namespace(cron, "default"), tmp_path / "cron.yaml")
    done = _kubectl(real_kubeconfig, "apply", "--dry-run=server", "-f", str(path))
    assert done.returncode != 0
    assert 'no matches for kind "CronJob" in version "batch/v1"' in done.stderr


def test_the_target_rbac_passes_a_server_side_dry_run(real_kubeconfig: Path) -> None:
    """The shipped least-privilege RBAC (rbac.authorization.k8s.io/v1, known to 1.20) is
    accepted by a real apiserver with --dry-run=server."""
    target = Path(__file__).resolve().parents[2] / "deploy/kubernetes/target-rbac"
    namespaces = {
        item["metadata"]["namespace"]
        for path in target.glob("*.yaml")
        for item in yaml.safe_load(path.read_text())["items"]
        if item["metadata"].get("namespace")
    }
    made = [n for n in sorted(namespaces)
            if _kubectl(real_kubeconfig, "create", "namespace", n).returncode == 0]  # fmt: skip
    try:
        for path in sorted(target.glob("*.yaml")):
            done = _kubectl(real_kubeconfig, "apply", "--dry-run=server", "-f", str(path))
            assert done.returncode == 0, done.stderr
            count = len(yaml.safe_load(path.read_text())["items"])
            assert done.stdout.count("(server dry run)") == count, done.stdout
    finally:
        for namespace in made:
            _kubectl(real_kubeconfig, "delete", "namespace", namespace, "--wait=false")
