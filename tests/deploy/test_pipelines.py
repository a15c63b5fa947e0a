"""The GitHub Actions and Azure Pipelines game days: scheduled, OIDC sign-in, exec, evidence."""

from __future__ import annotations

from typing import Any

import yaml

from tests.deploy.manifests import DEPLOY


def _load(path: str) -> dict[Any, Any]:
    return dict(yaml.safe_load((DEPLOY / path).read_text(encoding="utf-8")))


def _steps_text(steps: list[dict[str, Any]]) -> str:
    return "\n".join(str(s.get("run", "")) + str(s.get("inputs", {})) for s in steps)


def test_github_actions_signs_in_with_oidc_and_keeps_the_evidence() -> None:
    """A schedule, id-token: write for azure/login (no client secret), exec drillkit run so that
    cancellation reaches it, the evidence uploaded and the JUnit file published even on failure."""
    flow = _load("github-actions/drill.yml")
    triggers = flow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["schedule"][0]["cron"]
    assert flow["permissions"]["id-token"] == "write"
    steps = flow["jobs"]["drill"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    login = uses["azure/login"]["with"]
    assert set(login) == {"client-id", "tenant-id", "subscription-id"}  # no client-secret
    runs = [s["run"] for s in steps if "run" in s]
    assert any(r.startswith("exec drillkit") and " run " in r for r in runs)
    assert uses["actions/upload-artifact"]["if"] == "always()"
    assert "evidence/" in uses["actions/upload-artifact"]["with"]["path"]
    assert ".drillkit/runs/" in uses["actions/upload-artifact"]["with"]["path"]  # the journals
    assert 'pip install "$DRILLKIT_SPEC"' in runs[0]  # the pinned drillkit, not whatever is new
    junit = uses["mikepenz/action-junit-report"]
    assert junit["if"] == "always()" and junit["with"]["report_paths"].endswith(".junit.xml")
    assert flow["concurrency"]["cancel-in-progress"] is False


def test_azure_pipelines_does_the_same() -> None:
    """A schedule, a workload-identity service connection, exec drillkit run, the JUnit result,
    the evidence and the journals published on every outcome, and time to restore after a
    cancel."""
    pipeline = _load("azure-pipelines/drill.yml")
    assert pipeline["schedules"][0]["cron"]
    job = pipeline["jobs"][0]
    assert job["cancelTimeoutInMinutes"] >= 10
    tasks = {s.get("task", "").split("@")[0]: s for s in job["steps"]}
    assert "exec drillkit" in tasks["AzureCLI"]["inputs"]["inlineScript"]
    junit = tasks["PublishTestResults"]
    assert junit["condition"] == "always()"
    assert junit["inputs"]["testResultsFormat"] == "JUnit"
    published = [s for s in job["steps"] if s.get("task", "").startswith("PublishPipelineArtifact")]
    assert {s["inputs"]["targetPath"] for s in published} == {"evidence", ".drillkit/runs"}
    assert all(s["condition"] == "always()" for s in published)
    assert '"$(DRILLKIT_SPEC)"' in job["steps"][2]["script"]
