"""Where a drill's project is: the nearest directory with ``runbooks/``, else the current one.

Evidence (``runbooks/evidence``) and runs (``.drillkit/runs``) default to directories there, so
that running a drill from anywhere files its record with its project, not in the shell's cwd.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EVIDENCE = Path("runbooks") / "evidence"
RUNS = Path(".drillkit") / "runs"


@dataclass(frozen=True, slots=True)
class Project:
    """A project root and why it was chosen."""

    root: Path
    found: bool
    """True when a parent with ``runbooks/`` was found; False for the current directory."""

    @property
    def evidence_dir(self) -> Path:
        return self.root / EVIDENCE

    @property
    def runs_dir(self) -> Path:
        return self.root / RUNS

    def says(self, what: str, path: Path) -> str:
        """One line telling the user where ``what`` goes and why."""
        why = (
            f"next to the project {self.root} (the nearest directory with runbooks/)"
            if self.found
            else "in the current directory (no parent directory has runbooks/)"
        )
        return f"{what}: {path} ({why})"


def find_project(start: Path, cwd: Path | None = None) -> Project:
    """The nearest of ``start`` and its parents holding a ``runbooks/`` directory, else ``cwd``."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / "runbooks").is_dir():
            return Project(candidate, True)
    return Project((cwd or Path.cwd()).resolve(), False)


def project_of_drill(drill_path: Path, cwd: Path | None = None) -> Project:
    """The project of a drill file (searched from the file's directory)."""
    return find_project(drill_path.resolve().parent, cwd)
