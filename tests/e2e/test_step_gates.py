"""``drillkit run --step`` through a pseudo-terminal (pexpect) against the twin: every gate
continues, an abort at any gate restores the world, and ``?`` prints the step's runbook section."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from drillkit.core.stepgates import STEPS
from drillkit.engine.records import GateWaited, read_journal
from drillkit.evidence.catalog import evidence_json_files
from tests.conftest import ROOT, US_OUTAGE, loose_rto
from tests.e2e.conftest import Twin
from tests.sampling import sample

PROMPT = r"runbook section > "
GATE = r"=== step gate: ([A-Za-z ]+) ==="
ENTRY = "from drillkit.cli.main import main; main()"
WAIT_S = 60
ORDER = ["inject", "detected", "flipped", "rto", "restore"]


def _project(tmp_path: Path) -> Path:
    """A project with the runbook and the shipped us-outage drill (its runbook kept)."""
    (tmp_path / "runbooks").mkdir()
    shutil.copy(ROOT / "runbooks" / "regional-failover.md", tmp_path / "runbooks")
    drills = tmp_path / "drills" / "sandbox"
    drills.mkdir(parents=True)
    shutil.copy(US_OUTAGE.parent / "world.yaml", drills)
    data = loose_rto(yaml.safe_load(US_OUTAGE.read_text()))
    (drills / "us-outage.yaml").write_text(yaml.safe_dump(data))
    return drills / "us-outage.yaml"


def _spawn(drill: Path, twin: Twin, cwd: Path) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-c", ENTRY, "run", str(drill), "--yes", "--step", "--attach", str(twin.state_dir)],
        cwd=str(cwd),
        encoding="utf-8",
        timeout=WAIT_S,
        dimensions=(60, 250),
    )


def _gates(journal_dir: Path) -> list[GateWaited]:
    journal = next(journal_dir.glob(".drillkit/runs/*/journal.jsonl"))
    return [r for r in read_journal(journal) if isinstance(r, GateWaited)]


def _printed(text: str, start: str, comment: str) -> str:
    """The first printed by-hand command that starts with ``start`` and ends with ``comment``."""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(start) and line.endswith(comment):
            return line.rpartition("  #")[0]
    raise AssertionError(f"no {start!r} line ending {comment!r} in:\n{text[-3000:]}")


def _run_printed_commands(text: str) -> None:
    """Paste the gate's dig (every line of it), health curl and ARM curl into a shell: before the
    fault, new-york is answered by us, us's ingress is healthy and its endpoint is named us."""
    digs = [
        line.strip().rpartition("  #")[0]
        for line in text.splitlines()
        if line.strip().startswith("dig @") and "+subnet=24.1.2.0/24" in line
    ]
    assert len(digs) == 2, text[-3000:]  # the world's two authoritative servers
    for dig in digs:
        answer = subprocess.run(
            shlex.split(dig), capture_output=True, text=True, timeout=10, check=False
        )
        assert answer.stdout.splitlines()[:1] == ["us.ingress.sandbox.test."], (dig, answer)
    if shutil.which("curl") is None:
        return
    health = _printed(text, "curl -si --resolve", "# us's ingress")
    answer = subprocess.run(
        shlex.split(health), capture_output=True, text=True, timeout=10, check=False
    )
    assert answer.stdout.startswith("HTTP/1.1 200") and "us healthy" in answer.stdout, answer
    arm = _printed(text, "curl -s --cacert", "# us: endpoint myapp-na/us")
    answer = subprocess.run(
        ["bash", "-c", arm], capture_output=True, text=True, timeout=10, check=False
    )
    body = json.loads(answer.stdout)
    assert body["name"] == "us" and body["properties"]["endpointMonitorStatus"] == "Online"


def test_continue_at_every_gate(healthy_twin: Twin, tmp_path: Path) -> None:
    """Enter at each gate runs the drill to a pass; the five gates open in the lifecycle's order
    and are journalled, each prints the by-hand commands (at the first, the printed dig, health
    curl and ARM curl run and answer), and the evidence sets the human pauses apart from the
    RTO."""
    drill = _project(tmp_path)
    child = _spawn(drill, healthy_twin, tmp_path)
    seen: list[str] = []
    while child.expect([GATE, pexpect.EOF]) == 0:
        seen.append(child.match.group(1))
        child.expect(PROMPT)
        if len(seen) == 1:
            _run_printed_commands(child.before)
        assert "kubectl --kubeconfig" in child.before and "--context sandbox-us get nodes" in (
            child.before
        )
        assert "+subnet=24.1.2.0/24" in child.before and "dig @127.0.0.1" in child.before
        child.sendline("")
    child.close()
    assert child.exitstatus == 0, child.before[-2000:]
    assert seen == [STEPS[key].heading for key in ORDER]
    assert [(g.step, g.answer) for g in _gates(tmp_path)] == [(k, "continue") for k in ORDER]
    evidence = json.loads(evidence_json_files(tmp_path / "runbooks" / "evidence")[0].read_text())
    notes = evidence["guardNotes"]
    assert any(n.startswith("step gate inject: waited") for n in notes)
    assert any("s of human pauses at 5 gate(s)" in n and "counts none" in n for n in notes)


@pytest.mark.parametrize(
    "gate", sample(["Before inject", "Detected", "Flipped", "RTO reached"], 2, salt="gates")
)
def test_abort_at_a_gate_restores_the_world(healthy_twin: Twin, tmp_path: Path, gate: str) -> None:
    """`a` at any gate aborts the drill (exit 4) and the world is restored (the fixture checks
    every node flag, replica count, endpoint and lease against the state before)."""
    drill = _project(tmp_path)
    child = _spawn(drill, healthy_twin, tmp_path)
    while True:
        child.expect(GATE)
        name = child.match.group(1)
        child.expect(PROMPT)
        if name == gate:
            child.sendline("a")
            break
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4, child.before[-2000:]
    assert "aborted by the operator" in child.before
    gates = _gates(tmp_path)
    assert gates[-1].answer == "abort" and "Before restore" not in child.before


def test_question_mark_prints_the_runbook_section(healthy_twin: Twin, tmp_path: Path) -> None:
    """`?` at the first gate prints the runbook's "Before inject" section and asks again."""
    drill = _project(tmp_path)
    child = _spawn(drill, healthy_twin, tmp_path)
    child.expect(PROMPT)
    child.sendline("?")
    child.expect(PROMPT)
    assert "### Before inject" in child.before
    assert "Say aloud what will break" in child.before
    assert "### Detected" not in child.before
    child.sendline("a")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4


def test_step_without_a_terminal_is_usage(tmp_path: Path) -> None:
    """`--step` with stdin not a terminal exits 2 and changes nothing."""
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "run", str(US_OUTAGE), "--yes", "--step"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--step needs a terminal" in proc.stderr


def test_abort_at_the_restore_gate_restores_at_once(healthy_twin: Twin, tmp_path: Path) -> None:
    """`a` at the last gate (before restore) is journalled as abort and restore runs as it would
    on Enter: the world is restored (the fixture compares it with the state before)."""
    drill = _project(tmp_path)
    child = _spawn(drill, healthy_twin, tmp_path)
    while True:
        child.expect(GATE)
        name = child.match.group(1)
        child.expect(PROMPT)
        child.sendline("a" if name == "Before restore" else "")
        if name == "Before restore":
            break
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus in (0, 1), child.before[-2000:]
    assert "phase restore" in child.before
    assert _gates(tmp_path)[-1].step == "restore" and _gates(tmp_path)[-1].answer == "abort"
