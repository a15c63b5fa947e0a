"""``drillkit sandbox tour`` with scripted keypresses in a pseudo-terminal: it completes, and its
transcript explains each step in plain words, in order."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pexpect

from drillkit.cli.tour import EXPLAIN
from drillkit.core.stepgates import STEPS
from drillkit.evidence.catalog import evidence_json_files

ENTRY = "from drillkit.cli.main import main; main()"


def test_the_tour_completes_and_reads_well(tmp_path: Path) -> None:
    """Enter at every gate: the tour starts a fresh twin, explains the five steps in order,
    passes, points at the evidence and says what to do next."""
    child = pexpect.spawn(
        sys.executable, ["-c", ENTRY, "sandbox", "tour", "--dir", str(tmp_path / "tour")],
        cwd=str(tmp_path), encoding="utf-8", timeout=90, dimensions=(60, 250),
    )  # fmt: skip
    chunks: list[str] = []
    while child.expect([r"runbook section > ", pexpect.EOF]) == 0:
        chunks.append(child.before)
        child.sendline("")
    chunks.append(child.before)
    child.close()
    text = "".join(chunks)
    (tmp_path / "transcript.txt").write_text(text)
    assert child.exitstatus == 0, text[-3000:]
    assert text.index("Welcome to the drillkit tour") < text.index("First step.")
    gates = re.findall(r"=== step gate: ([A-Za-z ]+) ===", text)
    assert gates == [STEPS[k].heading for k in ("inject", "detected", "flipped", "rto", "restore")]
    explained = [text.find(EXPLAIN[k]) for k in ("inject", "detected", "flipped", "rto", "restore")]
    assert -1 not in explained and explained == sorted(explained)
    assert "Nothing here touches Azure" in text
    assert re.search(r"verdict: pass", text)
    assert "That was the whole drill." in text
    assert evidence_json_files(tmp_path / "tour" / "runbooks" / "evidence")
    assert "Traceback" not in text


def test_the_tour_without_a_terminal_is_usage(tmp_path: Path) -> None:
    """Without a terminal the tour refuses with exit 2 before starting anything."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "sandbox", "tour", "--dir", str(tmp_path / "t")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "needs a terminal" in proc.stderr
    assert not (tmp_path / "t").exists()
