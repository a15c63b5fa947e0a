"""The live view shows each RTO part as it completes (issue #17, through RunListener.part)."""

from __future__ import annotations

import io

from drillkit.cli.run_display import Progress
from drillkit.engine.listener import RunListener


def test_progress_prints_each_part_with_its_uncertainty() -> None:
    """Progress is a RunListener whose ``part`` prints the part's title, seconds and ± width."""
    out = io.StringIO()
    progress: RunListener = Progress(out)
    progress.part("new-york", "detect", 2.95, 0.05)
    progress.part("new-york", "allServersFlip", 0.401, 0.1)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("new-york: fault to detection 2.950s ± 0.050")
    assert lines[1].endswith("new-york: detection to all name servers flipped 0.401s ± 0.100")
