"""The shipped CronJob killed mid-drill, then the shipped restore Job, both run the way their
pods see the world (podlike.py): the target region is the pod's own cluster (``kubeContext:
in-cluster``: KUBERNETES_SERVICE_HOST/PORT, the service-account token and CA at the standard
path), and the restore Job, on an empty volume, puts the world back from the markers alone."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import Mark, read_journal
from tests.conftest import US_OUTAGE
from tests.deploy.manifests import by_kind, kustomize
from tests.e2e.conftest import Twin, journal_of
from tests.polling import poll
from tests.realapi.fixtures import shared_cluster
from tests.unattended import podlike, realtier

pytestmark = pytest.mark.slow


def _container(path: str, kind: str) -> dict[str, Any]:
    workload = by_kind(kustomize(path), kind)
    spec = workload["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else workload["spec"]
    return dict(spec["template"]["spec"]["containers"][0])


def _own_cluster(kubeconfig: Path, cluster_name: str, user_token: str, tmp_path: Path) -> Any:
    """Server URL and CA file of the pod's own cluster, and the token it runs with."""
    config = yaml.safe_load(kubeconfig.read_text())
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == cluster_name)
    ca = tmp_path / "ca.crt"
    ca.write_bytes(base64.b64decode(cluster["certificate-authority-data"]))
    return urlsplit(cluster["server"]), ca, user_token


def _twin_us(twin: Twin, tmp_path: Path) -> Any:
    config = yaml.safe_load(Path(twin.sb.info["kubeconfig"]).read_text())
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "sandbox-operator")
    return _own_cluster(Path(twin.sb.info["kubeconfig"]), "sandbox-us", token, tmp_path)


def _pod(
    twin: Twin,
    tmp_path: Path,
    container: dict[str, Any],
    runs: Path,
    own: Any,
    *,
    fault: dict[str, str] | None = None,
) -> podlike.Pod:
    """The pod: region us is its own cluster (``own``: server, CA file, token)."""
    server, ca, token = own
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    drills = tmp_path / "configmap"
    if not drills.exists():
        drills.mkdir()
        drill = yaml.safe_load(US_OUTAGE.read_text())
        drill["metadata"] = {"name": "eastus-outage"}
        drill["regions"]["us"]["kubeContext"] = "in-cluster"
        drill["fault"] = fault or {"type": "drain", "evictionTimeout": "1s", "onBlocked": "delete"}
        (drills / "eastus-outage.yaml").write_text(yaml.safe_dump(drill))
        (drills / "world.yaml").write_text((US_OUTAGE.parent / "world.yaml").read_text())
        for path in (tmp_path, drills, *drills.iterdir()):
            path.chmod(0o755)
    attach = tmp_path / "attach"  # the twin's world.json, where uid 10001 may read it
    if not attach.exists():
        attach.mkdir()
        shutil.copyfile(twin.state_dir / "world.json", attach / "world.json")
        for path in (attach, attach / "world.json"):
            path.chmod(0o755)
    runs.mkdir()
    os.chown(runs, 10001, 10001)
    env = {e["name"]: e.get("value", "") for e in container["env"] if "value" in e}
    return podlike.Pod(
        service_host=str(server.hostname), service_port=int(server.port or 443),
        token=token, ca_file=ca,
        volumes={mounts["drills"]: drills, mounts["runs"]: runs, "/etc/drillkit/twin": attach},
        env={**env, "TEAMS_WEBHOOK_URL": "http://127.0.0.1:9/unused",
             # the one test-only addition: where the twin's Traffic Manager and eu cluster are
             "DRILLKIT_ATTACH": "/etc/drillkit/twin"},
    )  # fmt: skip


def _kill_once_injected(
    pod: podlike.Pod,
    tmp_path: Path,
    cron: dict[str, Any],
    then: Callable[[], bool] | None = None,
) -> None:
    """Run the CronJob's command in ``pod`` until its journal marks the fault injected (and
    ``then`` holds), then SIGKILL it."""
    proc = podlike.start(pod, tmp_path / "scratch-run", [*cron["command"], *cron["args"]])
    try:

        def injected() -> bool:
            path = journal_of(tmp_path / "pvc" / "runs")
            if proc.poll() is not None:
                raise AssertionError(
                    f"the drill ended first ({proc.returncode}): "
                    f"{proc.stderr.read()[-2000:] if proc.stderr else ''}"
                )
            return path is not None and any(
                isinstance(r, Mark) and r.name == "fault_injected" for r in read_journal(path)
            )

        poll(injected, 90, 0.05)
        if then is not None:
            poll(then, 20, 0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)


def _restore_job(
    twin: Twin, tmp_path: Path, own: Any, *, fault: dict[str, str] | None = None
) -> None:
    """The restore Job's exact command on an empty runs volume; it must restore from markers."""
    job = _container("kubernetes/restore", "Job")
    pod = _pod(twin, tmp_path, job, tmp_path / "fresh-pvc", own, fault=fault)
    proc = podlike.start(pod, tmp_path / "scratch-restore", [*job["command"], *job["args"]])
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out + err)[-3000:]
    assert "restored from markers: run" in out


def test_killed_cronjob_pod_is_restored_by_the_restore_job_from_markers_alone(
    healthy_twin: Twin, tmp_path: Path
) -> None:
    """SIGKILL to the CronJob's pod once its fault is in; the restore Job's exact command, with
    an empty runs volume, restores every node of the pod's own cluster (exit 0)."""
    podlike.need_unshare()
    before = healthy_twin.state()
    cron = _container("kubernetes/base", "CronJob")
    own = _twin_us(healthy_twin, tmp_path)
    pod = _pod(healthy_twin, tmp_path, cron, tmp_path / "pvc", own)
    us = healthy_twin.conns.clusters["us"]
    _kill_once_injected(
        pod, tmp_path, cron, then=lambda: any(n.unschedulable for n in us.list_nodes({}))
    )
    assert any(obj.kind == "Node" for obj in healthy_twin.conns.clusters["us"].marked())

    _restore_job(healthy_twin, tmp_path, own)
    assert not list((tmp_path / "fresh-pvc").glob("runs/*/journal.jsonl")), "no journal needed"
    poll(healthy_twin.healthy, 60, 0.1)
    assert healthy_twin.state() == before
    assert [o for c in healthy_twin.conns.clusters.values() for o in c.marked()] == []


@pytest.mark.realapi
def test_on_the_real_tier_as_a_service_account(
    healthy_twin: Twin, tmp_path: Path, pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    """The same, with the pod's own cluster a real kube-apiserver 1.20 (RBAC enforced) and the
    pod's identity a ServiceAccount holding only what ``drillkit rbac`` grants: the CronJob's
    command scales the real Deployment down (and marks it), is killed, and the restore Job's
    command puts the real world back from the markers alone."""
    podlike.need_unshare()
    tier = shared_cluster(pytestconfig)
    token = realtier.service_account_token(tier, "us")
    config = yaml.safe_load(tier.kubeconfig.read_text())
    name = next(c["context"]["cluster"] for c in config["contexts"] if c["name"] == "real-us")
    own = _own_cluster(tier.kubeconfig, name, token, tmp_path)
    fault = {"type": "scale-down", "namespace": "shop", "selector": "app=web"}
    cron = _container("kubernetes/base", "CronJob")
    pod = _pod(healthy_twin, tmp_path, cron, tmp_path / "pvc", own, fault=fault)
    rbac = CliRunner().invoke(cli, [
        "rbac", str(tmp_path / "configmap" / "eastus-outage.yaml"), "--format", "json",
        "--part", "kubernetes", "--region", "us",
        "--service-account", f"{realtier.SA_NAMESPACE}/{realtier.SA_NAME}",
    ])  # fmt: skip
    assert rbac.exit_code == 0, rbac.output
    doc = json.loads(rbac.output)["us"]
    realtier.must(realtier.kubectl(tier, "us", "apply", "-f", "-", stdin=json.dumps(doc)))
    request.addfinalizer(
        lambda: realtier.kubectl(
            tier, "us", "delete", "--ignore-not-found", "-f", "-", stdin=json.dumps(doc)
        )
    )
    for obj in doc["items"]:
        for rule in obj.get("rules", []):
            realtier.wait_can_i(
                tier, "us", rule=rule, namespace=obj["metadata"].get("namespace", ""), expected=True
            )
    before = realtier.world_state(tier)

    _kill_once_injected(pod, tmp_path, cron)
    web = json.loads(
        realtier.must(
            realtier.kubectl(tier, "us", "-n", "shop", "get", "deployment", "web", "-o", "json")
        )
    )
    assert web["spec"]["replicas"] == 0
    assert "drillkit.dev/run" in web["metadata"]["annotations"]

    _restore_job(healthy_twin, tmp_path, own, fault=fault)
    assert realtier.world_state(tier) == before
    web = json.loads(
        realtier.must(
            realtier.kubectl(tier, "us", "-n", "shop", "get", "deployment", "web", "-o", "json")
        )
    )
    assert "drillkit.dev/run" not in (web["metadata"].get("annotations") or {})
