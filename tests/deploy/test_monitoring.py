"""The Prometheus alert rules (checked and unit-tested by promtool) and the Grafana dashboard."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from drillkit.core.export import report_samples, run_samples
from drillkit.core.verdict import Outcome
from drillkit.spec.model import Objectives
from tests.deploy.manifests import DEPLOY
from tests.evidence.reports import data_report
from tests.unattended.factories import sample_metrics

MONITORING = DEPLOY / "monitoring"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return subprocess.run(
        [tool, *args], cwd=MONITORING, capture_output=True, text=True, timeout=120, check=False
    )


def _exported_names() -> set[str]:
    objectives = Objectives.model_validate(
        {"rto": "180s", "failback": "300s", "rpo": "5s", "lostWrites": 0}
    )
    passing = run_samples(sample_metrics(90.0), Outcome.PASS, 1.0, objectives)
    return {s.name for s in [*passing, *report_samples(data_report(), objectives)]}


def test_promtool_accepts_the_rules() -> None:
    """``promtool check rules`` finds the six rules valid."""
    done = _promtool("check", "rules", "drillkit-rules.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout


def test_the_alerts_fire_when_they_should() -> None:
    """``promtool test rules``: "no successful drill in 30 days" fires at 31 days and not at 29,
    "RTO above objective", "RPO above objective" and "lost writes above objective" only once
    the figure passes its objective, and "never passed"."""
    done = _promtool("test", "rules", "drillkit-rules.test.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_and_dashboard_use_only_metrics_drillkit_pushes() -> None:
    """Every drillkit_* name in the rules and the dashboard is one that run_samples produces."""
    exported = _exported_names()
    rules = (MONITORING / "drillkit-rules.yaml").read_text(encoding="utf-8")
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set(re.findall(r"drillkit_[a-z_]+", rules + "\n".join(exprs)))
    assert used and used <= exported, used - exported
    assert {p["type"] for p in dashboard["panels"]} >= {"stat", "timeseries"}
    for name in ("drillkit_rpo_seconds", "drillkit_lost_writes", "drillkit_rto_part_seconds"):
        assert name in "\n".join(exprs), f"the dashboard has no panel for {name}"
