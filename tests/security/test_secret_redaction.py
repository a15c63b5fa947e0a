"""No secret reaches a log, the journal or the evidence: the twin's kube and ARM tokens and a
planted Azure client secret are searched for in everything a debug-level drill run leaves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.chaos.harness import SandboxProcess, drillkit, finish, write_drill, write_world

PLANTED_SECRET = "Zq8~fake.AzureClientSecret_" + "7d1e0c4b9a2f"
PREFIX = 12  # a token cut short (long bodies are truncated) must not leak either


def _secrets(twin: SandboxProcess) -> dict[str, str]:
    config = yaml.safe_load(Path(twin.info["kubeconfig"]).read_text())
    found = {f"kube token of {u['name']}": u["user"]["token"] for u in config["users"]}
    found["ARM token"] = twin.info["trafficManager"]["token"]
    found["AZURE_CLIENT_SECRET"] = PLANTED_SECRET
    return found


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value[:PREFIX] in text]


@pytest.fixture(scope="module")
def artefacts(twin: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Everything one debug-level run (plus restore and report) leaves: name -> text."""
    folder = tmp_path_factory.mktemp("redaction")
    write_world(folder, 0.1)
    drill = write_drill(folder, fault__evictionTimeout="1s")
    runs, evidence = folder / "runs", folder / "evidence"
    env = dict(
        os.environ,
        AZURE_CLIENT_SECRET=PLANTED_SECRET,
        AZURE_CLIENT_ID="00000000-0000-0000-0000-0000000000c1",
        AZURE_TENANT_ID="00000000-0000-0000-0000-0000000000e1",
    )
    proc = drillkit(
        "--log-format", "json", "-vv", "run", str(drill), "--yes",
        "--attach", str(twin.state_dir), "--runs-dir", str(runs),
        "--evidence-dir", str(evidence), "--output", "json",
        env=env,
    )  # fmt: skip
    code, out, err = finish(proc)
    assert code == 0, err[-3000:]
    texts = {"stdout": out, "stderr (JSON logs, -vv)": err}
    runner = CliRunner()
    restore = runner.invoke(cli, ["-vv", "restore", "--latest", "--yes", "--runs-dir", str(runs)])
    assert restore.exit_code == 0, restore.output
    texts["restore output"] = restore.output
    journal = next(runs.glob("*/journal.jsonl"))
    for fmt in ("md", "json", "junit"):
        report = runner.invoke(cli, ["report", str(journal), "--format", fmt])
        assert report.exit_code == 0, report.output
        texts[f"report --format {fmt}"] = report.output
    for path in sorted([*runs.rglob("*"), *evidence.rglob("*")]):
        if path.is_file():
            texts[str(path)] = path.read_text(errors="replace")
    return texts


def test_the_run_left_logs_a_journal_and_evidence(artefacts: dict[str, str]) -> None:
    """The search below covers real material: debug logs, a journal and three evidence files."""
    assert '"event": "drill.phase"' in artefacts["stderr (JSON logs, -vv)"]
    assert sum(name.endswith("journal.jsonl") for name in artefacts) == 1
    assert sum(name.endswith((".md", ".json", ".junit.xml")) for name in artefacts) >= 3


def test_the_secrets_are_real_and_the_search_finds_them(twin: SandboxProcess) -> None:
    """Each planted secret is non-trivial and found where it does live (kubeconfig, world.json)."""
    secrets = _secrets(twin)
    assert len(secrets) >= 4 and all(len(v) >= 16 for v in secrets.values())
    where = Path(twin.info["kubeconfig"]).read_text() + (twin.state_dir / "world.json").read_text()
    assert sorted(_leaks(where, secrets)) == sorted(
        n for n in secrets if n != "AZURE_CLIENT_SECRET"
    )


def test_no_secret_appears_in_logs_journal_or_evidence(
    twin: SandboxProcess, artefacts: dict[str, str]
) -> None:
    """Neither token nor the planted client secret (nor their first 12 characters) appears."""
    secrets = _secrets(twin)
    leaks = {name: found for name, text in artefacts.items() if (found := _leaks(text, secrets))}
    assert not leaks
