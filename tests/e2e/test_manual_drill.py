"""A manual drill against the twin, with the test playing the on-call engineer: it disables
the us endpoint through the ARM twin (plain HTTP, as ``az`` would) or scales the us workload
with kubectl; drillkit times the person, measures the failover, and puts back exactly what
they changed, naming each change and who made it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.engine.records import Intent, Mark, PhaseEntered, Record, read_journal
from drillkit.sandbox.tm.system_data import CALLER
from tests.e2e.conftest import Twin, drillkit, journal_of, stop, wait_for_record
from tests.unattended.receiver import Receiver

MANUAL = {
    "type": "manual",
    "instructions": "Take us out: disable its endpoint in myapp-na, or scale shop/web to 0",
    "page": "CRITICAL StorefrontUSDown",
    "namespace": "shop",
}
US_ENDPOINT = "myapp-na/ExternalEndpoints/us"


def _start(twin: Twin, drill: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return drillkit(
        "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
        "--output", "json",
    )  # fmt: skip


def _waiting(record: Record) -> bool:
    return isinstance(record, PhaseEntered) and record.phase == "inject"


def _human_change(record: Record) -> bool:
    return isinstance(record, Intent) and record.action == "human-change"


def _set_endpoint(twin: Twin, status: str) -> None:
    """The person: PATCH the endpoint through the ARM twin, as ``az ... endpoint update``."""
    tm = twin.sb.info["trafficManager"]
    path = (
        f"/subscriptions/{tm['subscriptionId']}/resourceGroups/{tm['resourceGroup']}/providers/"
        f"Microsoft.Network/trafficmanagerprofiles/myapp-na/ExternalEndpoints/us"
    )
    verify: Any = ssl.create_default_context(cafile=tm["caFile"]) if "caFile" in tm else True
    with httpx.Client(base_url=tm["armUrl"], verify=verify, timeout=10) as arm:
        answer = arm.patch(
            f"{path}?api-version=2022-04-01",
            json={"properties": {"endpointStatus": status}},
            headers={"Authorization": f"Bearer {tm['token']}"},
        )
    assert answer.status_code == 200, answer.text


def _kubectl(twin: Twin, tmp_path: Path, *args: str) -> None:
    """The person: kubectl against the kube twin (HOME holds kubectl's discovery cache)."""
    kubeconfig = twin.sb.info["kubeconfig"]
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, *args],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _finish(proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = proc.communicate(timeout=180)
    assert out, err[-2000:]
    return proc.returncode, json.loads(out)


def _evidence(summary: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(summary["evidence"]["json"]).read_text())
    return document


def test_a_person_disables_the_us_endpoint_and_drillkit_puts_it_back(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """The endpoint disabled through ARM is the fault: timed from the page, RTO measured,
    re-enabled by restore, and named in evidence with ARM's lastModifiedBy."""
    before = healthy_twin.state()
    proc = _start(healthy_twin, drill_file(fault=MANUAL), tmp_path)
    wait_for_record(tmp_path / "runs", _waiting, proc)
    _set_endpoint(healthy_twin, "Disabled")
    code, summary = _finish(proc)
    assert code == 0, summary
    assert summary["verdict"] == "pass" and summary["restored"] is True
    assert summary["timeToActS"] > 0 and summary["metrics"]["rtoS"] is not None
    assert healthy_twin.state() == before
    document = _evidence(summary)
    (change,) = [c for c in document["changes"] if c["action"] == "human-change"]
    assert change["target"] == f"tm/{US_ENDPOINT} endpointStatus"
    assert change["value"] == '"Disabled"'
    assert change["reason"] == f"changed by {CALLER} (User)"
    assert change["restore"]["detail"] == "put back"
    steps = [s["event"] for s in document["human"]["steps"]]
    assert steps == ["paged", "first action", "traffic moved"]
    assert document["human"]["since"] == "the page"
    markdown = Path(summary["evidence"]["markdown"]).read_text()
    assert "## The human timeline" in markdown and "**Time to act**" in markdown
    assert "section On call" in markdown and "paged :milestone" in markdown


def _pages(*receivers: Receiver, count: int, timeout: float = 20.0) -> list[tuple[str, Any]]:
    """The page notices the receivers got, once there are ``count`` of them (bounded wait)."""
    deadline = time.monotonic() + timeout
    while True:
        pages = [(path, body) for r in receivers for path, body in list(r.received)
                 if _is_page(path, body)]  # fmt: skip
        if len(pages) >= count or time.monotonic() > deadline:
            return pages
        time.sleep(0.1)


def _is_page(path: str, body: dict[str, Any]) -> bool:
    if path == "/generic":
        return body["phase"] == "page"
    if path == "/slack":
        return str(body["text"]).startswith("🚨 PAGE:")
    return "PAGE:" in json.dumps(body, ensure_ascii=False)


def test_the_page_reaches_the_webhooks_before_the_person_acts(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """fault.page is posted to the drill's webhooks (json, slack, and a teams hook answering
    500) as soon as it is journalled, with the page text, the instructions and the run; the
    person acts only once paged, the 500 fails nothing, and the time to act counts from the
    journalled page."""
    with Receiver() as ok, Receiver(status=500) as broken:
        hooks = [
            {"url": ok.url("/generic"), "format": "json"},
            {"url": ok.url("/slack"), "format": "slack"},
            {"url": broken.url("/teams"), "format": "teams"},
        ]
        drill = drill_file(fault=MANUAL, notify={"webhooks": hooks})
        proc = _start(healthy_twin, drill, tmp_path)
        try:
            paged = wait_for_record(tmp_path / "runs", lambda r: isinstance(r, Mark)
                                    and r.name == "paged", proc)  # fmt: skip
            pages = dict(_pages(ok, broken, count=3))
            assert set(pages) == {"/generic", "/slack", "/teams"}, "every hook is paged first"
            assert not any(_human_change(r) for r in _records(tmp_path / "runs"))
            _set_endpoint(healthy_twin, "Disabled")
            code, summary = _finish(proc)
        finally:
            if proc.poll() is None:  # a failed assertion: the run must not outlive the test
                stop(proc, signal.SIGTERM)  # aborts and restores
        generic = [body for path, body in ok.received if path == "/generic"]
    assert code == 0, summary
    assert summary["verdict"] == "pass" and summary["restored"] is True
    assert [b["phase"] for b in generic] == ["start", "page", "end"]
    page = pages["/generic"]
    assert (page["summary"], page["instructions"]) == (MANUAL["page"], MANUAL["instructions"])
    assert (page["drill"], page["target"]) == ("us-outage", "us")
    assert page["run_id"] == generic[0]["run_id"] == summary["runId"]
    assert page["title"].startswith("PAGE: CRITICAL StorefrontUSDown")
    slack = pages["/slack"]
    assert slack["blocks"][0]["text"]["text"] == "🚨 PAGE: CRITICAL StorefrontUSDown"
    assert f"Your turn:* {MANUAL['instructions']}" in slack["blocks"][1]["text"]["text"]
    card = pages["/teams"]["attachments"][0]["content"]
    assert card["body"][0]["color"] == "Attention"
    assert isinstance(paged, Mark)
    assert page["at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(paged.at))
    document = _evidence(summary)
    assert document["human"]["since"] == "the page"
    assert summary["timeToActS"] > 0


def _records(runs_dir: Path) -> list[Record]:
    path = journal_of(runs_dir)
    return [] if path is None else list(read_journal(path))


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_a_person_scales_the_us_workload_with_kubectl_and_drillkit_puts_it_back(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """kubectl scale to 0 is the fault: restored to its replicas and named as kubectl's
    write through /scale (managedFields)."""
    before = healthy_twin.state()
    proc = _start(healthy_twin, drill_file(fault={**MANUAL, "page": None}), tmp_path)
    wait_for_record(tmp_path / "runs", _waiting, proc)
    _kubectl(healthy_twin, tmp_path, "--context", "sandbox-us", "-n", "shop",
             "scale", "deployment/web", "--replicas=0")  # fmt: skip
    code, summary = _finish(proc)
    assert code == 0, summary
    assert summary["verdict"] == "pass" and summary["restored"] is True
    assert healthy_twin.state() == before
    document = _evidence(summary)
    (change,) = [c for c in document["changes"] if c["action"] == "human-change"]
    assert change["target"] == "us/deployment/shop/web replicas" and change["value"] == "0"
    assert change["reason"].startswith("changed by kubectl")
    assert "through /scale" in change["reason"]
    assert document["human"]["since"] == "the drill's start"


def test_a_killed_manual_run_is_put_back_by_restore(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """SIGKILL after the person's change was journalled: `drillkit restore --latest` puts the
    endpoint back from the journal alone."""
    before = healthy_twin.state()
    proc = _start(healthy_twin, drill_file(fault=MANUAL), tmp_path)
    wait_for_record(tmp_path / "runs", _waiting, proc)
    _set_endpoint(healthy_twin, "Disabled")
    wait_for_record(tmp_path / "runs", _human_change, proc)
    code, _, _ = stop(proc, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert healthy_twin.state()[f"tm/{US_ENDPOINT}"] == "Disabled"
    runs = str(tmp_path / "runs")
    result = CliRunner().invoke(cli, ["restore", "--latest", "--yes", "--runs-dir", runs])
    assert result.exit_code == 0, result.output
    assert healthy_twin.state() == before


def test_nobody_acting_ends_with_a_clear_verdict_and_nothing_changed(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """No change within abort.maxDuration: aborted (exit 4), "nobody acted", nothing changed."""
    before = healthy_twin.state()
    drill = drill_file(fault=MANUAL, abort={"maxDuration": "6s", "onSurvivorUnhealthy": True})
    code, summary = _finish(_start(healthy_twin, drill, tmp_path))
    assert code == 4, summary
    assert summary["verdict"] == "aborted"
    assert "nobody acted" in summary["reason"] and "nothing was changed" in summary["reason"]
    assert summary["timeToActS"] is None
    assert healthy_twin.state() == before


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_a_change_outside_the_snapshot_is_not_touched(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path
) -> None:
    """A survivor's node cordoned by the person is outside the snapshot: restore puts the
    endpoint back and leaves the node as the person left it."""
    before = healthy_twin.state()
    node = next(k.split("/")[-1] for k in before if k.startswith("eu/node/"))
    proc = _start(healthy_twin, drill_file(fault=MANUAL), tmp_path)
    wait_for_record(tmp_path / "runs", _waiting, proc)
    try:
        _kubectl(healthy_twin, tmp_path, "--context", "sandbox-eu", "cordon", node)
        _set_endpoint(healthy_twin, "Disabled")
        code, summary = _finish(proc)
        assert code == 0, summary
        after = healthy_twin.state()
        assert after[f"eu/node/{node}"] is True, "outside the snapshot: left as the person set it"
        assert after[f"tm/{US_ENDPOINT}"] == "Enabled"
        document = _evidence(summary)
        assert not any(node in c["what"] for c in document["restoreChecks"])
    finally:
        _kubectl(healthy_twin, tmp_path, "--context", "sandbox-eu", "uncordon", node)


def test_step_gates_tell_the_person_what_to_do_and_wait_for_them(
    healthy_twin: Twin, tmp_path: Path
) -> None:
    """`run --step` on a manual drill: the inject gate says it is the person's turn, the run
    shows the page and instructions, waits for their change, passes every later gate, and
    prints the time to act with the verdict."""
    import sys

    import pexpect
    import yaml

    from tests.conftest import ROOT, US_OUTAGE, loose_rto

    (tmp_path / "runbooks").mkdir()
    shutil.copy(ROOT / "runbooks" / "regional-failover.md", tmp_path / "runbooks")
    drills = tmp_path / "drills" / "sandbox"
    drills.mkdir(parents=True)
    shutil.copy(US_OUTAGE.parent / "world.yaml", drills)
    data = loose_rto(yaml.safe_load(US_OUTAGE.read_text()))
    data["fault"] = MANUAL
    (drills / "manual.yaml").write_text(yaml.safe_dump(data))
    before = healthy_twin.state()
    child = pexpect.spawn(
        sys.executable,
        ["-c", "from drillkit.cli.main import main; main()", "run", str(drills / "manual.yaml"),
         "--yes", "--step", "--attach", str(healthy_twin.state_dir)],
        cwd=str(tmp_path), encoding="utf-8", timeout=60, dimensions=(60, 250),
    )  # fmt: skip
    try:
        child.expect("=== step gate: Before inject ===")
        child.expect("runbook section > ")
        assert "you cause the outage of us by hand" in child.before
        assert f"YOUR TURN: {MANUAL['instructions']}" in child.before
        assert "Press Enter first: the page is shown and the watch begins" in child.before
        child.sendline("")
        child.expect("PAGE: CRITICAL StorefrontUSDown")
        _set_endpoint(healthy_twin, "Disabled")
        gates = ["Before inject"]
        while child.expect([r"=== step gate: ([A-Za-z ]+) ===", pexpect.EOF]) == 0:
            gates.append(child.match.group(1))
            child.expect("runbook section > ")
            child.sendline("")
        assert "time to act: " in child.before and "s from the page" in child.before
        child.close()
    finally:
        if child.isalive():
            child.terminate(force=True)
    assert child.exitstatus == 0, child.before[-2000:]
    assert gates[0] == "Before inject" and gates[-2:] == ["RTO reached", "Before restore"]
    assert healthy_twin.state() == before
