"""Links inside evidence: the runbook, as a path relative to the evidence file that names it."""

from __future__ import annotations

import os
from pathlib import Path


def runbook_link(runbook: str | None, drill_path: str | None, evidence_dir: Path) -> str | None:
    """The drill's ``runbook`` (relative to the drill file, or a URL) as seen from
    ``evidence_dir``, so that the link works where the Markdown evidence is rendered.

    URLs and absolute paths are kept as written; with no drill path there is nothing to
    resolve against, and the runbook is kept as written too.
    """
    if not runbook or "://" in runbook or runbook.startswith(("/", "#", "mailto:")):
        return runbook
    if not drill_path:
        return runbook
    target = (Path(drill_path).parent / runbook).resolve()
    relative = os.path.relpath(target, evidence_dir.resolve())
    return Path(relative).as_posix()
