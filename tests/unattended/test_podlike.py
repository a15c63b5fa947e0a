"""The shipped CronJob's exact command, run the way its pod sees the world (tests/unattended/
podlike.py): ConfigMap and PVC at their mountPaths, a service-account token and CA at the
standard path, KUBERNETES_SERVICE_HOST/PORT, uid 10001 and a clean environment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import US_OUTAGE, loose_rto
from tests.deploy.manifests import by_kind, kustomize
from tests.unattended import podlike

pytestmark = pytest.mark.slow


def _container() -> dict[str, object]:
    cron = by_kind(kustomize("kubernetes/base"), "CronJob")
    return dict(cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0])


def test_the_cronjob_command_runs_a_drill_as_the_pod_would(tmp_path: Path) -> None:
    """``/bin/sh -c "exec drillkit ... run /etc/drillkit/drills/eastus-outage.yaml ..."`` as uid
    10001, with the drill from the ConfigMap volume (here a sandbox drill under the same name)
    and journals and evidence on the PVC's mountPath, passes (exit 0)."""
    podlike.need_unshare()
    container = _container()
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}  # type: ignore[index]
    drills = tmp_path / "configmap"
    drills.mkdir()
    drill = loose_rto(yaml.safe_load(US_OUTAGE.read_text()))
    drill["metadata"].pop("runbook", None)
    (drills / "eastus-outage.yaml").write_text(yaml.safe_dump(drill))
    (drills / "world.yaml").write_text((US_OUTAGE.parent / "world.yaml").read_text())
    runs = tmp_path / "pvc"
    runs.mkdir()
    for path in (tmp_path, drills, *drills.iterdir()):
        path.chmod(0o755)
    os.chown(runs, 10001, 10001)
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    env = {e["name"]: e.get("value", "") for e in container["env"] if "value" in e}  # type: ignore[union-attr]
    pod = podlike.Pod(
        service_host="127.0.0.1",
        service_port=6443,
        token="not-used-by-a-sandbox-drill",
        ca_file=ca,
        volumes={mounts["drills"]: drills, mounts["runs"]: runs},
        env={**env, "TEAMS_WEBHOOK_URL": "http://127.0.0.1:9/unused"},
    )
    argv = [*container["command"], *container["args"]]  # type: ignore[misc]
    proc = podlike.start(pod, tmp_path / "scratch", argv)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    assert "verdict: pass" in out or '"outcome": "pass"' in out, out[-2000:]
    journals = list((runs / "runs").glob("*/journal.jsonl"))
    evidence = sorted(p.suffix for p in (runs / "evidence").iterdir())
    assert len(journals) == 1 and {".md", ".json", ".xml"} <= set(evidence)
    assert journals[0].stat().st_uid == 10001
    for line in err.splitlines():  # --log-format json: every log line is one JSON object
        assert isinstance(json.loads(line), dict), line
