"""The kustomize base and the restore Job: valid Kubernetes, and the scheduling rules the issue
asks for (Forbid, starting deadline, time zone, grace longer than a restore, exec)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from drillkit.spec.durations import Duration
from drillkit.spec.loader import load_drill
from tests.deploy.manifests import DEPLOY, KUSTOMIZATIONS, by_kind, kustomize, write_all


def _pod(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    workload = by_kind(objects, kind)
    spec = workload["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else workload["spec"]
    return dict(spec["template"]["spec"])


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_rendered_object_validates_against_the_openapi_schema(
    path: str, tmp_path: Path
) -> None:
    """kubernetes-validate --strict (Kubernetes 1.30 schemas: CronJob.timeZone is GA since 1.27)
    accepts every object kustomize renders, with no unknown field."""
    rendered = write_all(kustomize(path), tmp_path / "rendered.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", "1.30.0", str(rendered)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in done.stdout and "failed" not in done.stdout.lower()


def test_the_cronjob_runs_one_drill_at_a_time_in_its_time_zone() -> None:
    """concurrencyPolicy Forbid, a starting deadline, a time zone, no retries of a drill."""
    cron = by_kind(kustomize("kubernetes/base"), "CronJob")["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    assert 0 < cron["startingDeadlineSeconds"] <= 3600
    assert cron["timeZone"] == "Europe/Paris"
    assert cron["jobTemplate"]["spec"]["backoffLimit"] == 0


def test_the_grace_period_outlasts_a_restore_and_exec_passes_signals() -> None:
    """terminationGracePeriodSeconds exceeds the drill's restore time (restore.deadline, 10m by
    default); the container execs drillkit so that the kubelet's SIGTERM reaches it."""
    objects = kustomize("kubernetes/base")
    pod = _pod(objects, "CronJob")
    assert pod["terminationGracePeriodSeconds"] > Duration.parse("10m")
    container = pod["containers"][0]
    assert container["command"] == ["/bin/sh", "-c"]
    argv = shlex.split(container["args"][0])
    assert argv[:2] == ["exec", "drillkit"] and "run" in argv and "--yes" in argv
    deadline = by_kind(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
    assert deadline > pod["terminationGracePeriodSeconds"]


def test_the_pod_is_non_root_and_uses_workload_identity() -> None:
    """The pod runs as uid 10001 with no privilege escalation, under the ServiceAccount that
    carries the azure.workload.identity annotations, and is labelled to use it."""
    objects = kustomize("kubernetes/base")
    account = by_kind(objects, "ServiceAccount")
    assert "azure.workload.identity/client-id" in account["metadata"]["annotations"]
    cron = by_kind(objects, "CronJob")
    template = cron["spec"]["jobTemplate"]["spec"]["template"]
    assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    pod = template["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False


def test_journals_and_evidence_live_on_the_pvc_shared_with_the_restore_job() -> None:
    """The run and the restore Job mount the same PVC where --runs-dir points."""
    base = kustomize("kubernetes/base")
    claim = by_kind(base, "PersistentVolumeClaim")["metadata"]["name"]
    for objects, kind in ((base, "CronJob"), (kustomize("kubernetes/restore"), "Job")):
        pod = _pod(objects, kind)
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        runs = next(n for n, v in volumes.items() if "persistentVolumeClaim" in v)
        assert volumes[runs]["persistentVolumeClaim"]["claimName"] == claim
        args = pod["containers"][0]["args"][0]
        assert f"--runs-dir {mounts[runs]}/runs" in args
        assert args.startswith("exec drillkit ")


def test_the_drill_in_the_configmap_is_valid(tmp_path: Path) -> None:
    """The drill file the CronJob runs loads with its environment variables set."""
    objects = kustomize("kubernetes/base")
    data = by_kind(objects, "ConfigMap")["data"]
    path = tmp_path / "eastus-outage.yaml"
    path.write_text(data["eastus-outage.yaml"], encoding="utf-8")
    drill = load_drill(
        path,
        env={"AZURE_SUBSCRIPTION_ID": "sub", "TEAMS_WEBHOOK_URL": "https://x.test/hook"},
    )
    args = _pod(objects, "CronJob")["containers"][0]["args"][0]
    assert "/etc/drillkit/drills/eastus-outage.yaml" in args
    assert drill.guards.alertmanager is not None and drill.export.pushgateway is not None
    assert (DEPLOY / "kubernetes/base/drills/eastus-outage.yaml").is_file()
