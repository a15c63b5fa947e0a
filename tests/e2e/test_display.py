"""The run display: plain lines off a TTY, a rich live table on one."""

from __future__ import annotations

import io

from rich.console import Console

from drillkit.cli.run_display import LiveProgress, Progress
from drillkit.core.plan import Phase
from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.engine.records import Observation
from drillkit.engine.samples import RegionCheck, VantageSample

OBS_US = Observation(vantage=(VantageSample(name="new-york", region="us", at=10.0),),
                     regions={"us": RegionCheck(at=10.0, ok=True)})  # fmt: skip
OBS_EU = Observation(vantage=(VantageSample(name="new-york", region="eu", at=12.5),),
                     regions={"us": RegionCheck(at=12.5, ok=False),
                              "eu": RegionCheck(at=12.5, ok=True)})  # fmt: skip
CHECK = RestoreCheck("us/node/n1 spec.unschedulable", "false", "false", RestoreOutcome.RESTORED)


def test_plain_lines_report_phases_and_dns_changes_once() -> None:
    """Each phase and each change of answer is one line, timed from the first event."""
    out = io.StringIO()
    progress = Progress(out)
    progress.phase(Phase.BASELINE, 10.0)
    progress.observed(OBS_US)
    progress.observed(OBS_US)
    progress.observed(OBS_EU)
    progress.restored(CHECK)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("phase baseline")
    assert "new-york: DNS answers us (was -) HTTP ok" in lines[1]
    assert "+  2.50s  new-york: DNS answers eu (was us) HTTP ok" in lines[2]
    assert "restore us/node/n1 spec.unschedulable: restored" in lines[3]
    assert len(lines) == 4


def test_live_table_shows_the_current_answer_per_vantage_point() -> None:
    """The live view's table carries the phase and each vantage point's current region."""
    progress = LiveProgress()
    progress.phase(Phase.OBSERVE, 1.0)
    progress.observed(OBS_EU)
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    console.print(progress._render())
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[observe]" in text and "new-york" in text and "eu" in text and "ok" in text
    assert "unlock" in text  # the phase bar is the Phase enum, in order
