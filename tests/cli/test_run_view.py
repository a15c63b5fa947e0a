"""The live view keeps its history, never runs its clock backwards, and JSON runs show progress
on stderr to a person watching."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from drillkit.cli import run_commands
from drillkit.cli.run_display import LiveProgress, Progress
from drillkit.core.plan import Phase
from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.records import Observation
from drillkit.engine.samples import RegionCheck, VantageSample


def _obs(at: float, region: str) -> Observation:
    return Observation(
        vantage=(VantageSample(name="new-york", region=region, at=at),),
        regions={region: RegionCheck(at=at, ok=True)},
    )


def test_timestamps_never_go_backwards() -> None:
    """A sample taken before a phase began but reported after it is shown no earlier."""
    out = io.StringIO()
    progress = Progress(out)
    progress.phase(Phase.BASELINE, 100.0)
    progress.phase(Phase.INJECT, 103.0)
    progress.observed(_obs(101.5, "us"))  # arrives late from the observer thread
    progress.phase(Phase.OBSERVE, 104.0)
    shown = [float(line.split("s", 1)[0].lstrip("+ ")) for line in out.getvalue().splitlines()]
    assert shown == sorted(shown) == [0.0, 3.0, 3.0, 4.0]


def test_live_view_keeps_every_line_in_the_scrollback() -> None:
    """Every event line, the first preflight and baseline lines included, stays on the screen's
    history after the live region moved on."""
    screen = io.StringIO()
    console = Console(file=screen, width=100, force_terminal=True, color_system=None)
    with LiveProgress(console) as progress:
        progress.phase(Phase.PREFLIGHT, 0.0)
        progress.phase(Phase.BASELINE, 0.5)
        for second in range(1, 30):
            progress.observed(_obs(float(second), "us" if second % 2 else "eu"))
        progress.restored(
            RestoreCheck("us/node/n1 spec.unschedulable", "false", "false",
                         RestoreOutcome.RESTORED, "put back")
        )  # fmt: skip
    text = screen.getvalue()
    assert "phase preflight" in text and "phase baseline" in text
    assert text.count("new-york: DNS answers") == 29
    assert "restore us/node/n1 spec.unschedulable: put back" in text


def test_json_progress_goes_to_stderr_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """With --output json, progress lines go to stderr when it is a terminal, else nowhere."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert run_commands._progress_stream("json") is sys.stderr
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert run_commands._progress_stream("json") is None
    assert run_commands._progress_stream("text") is sys.stdout
