"""The starter project shipped in the package: the default sandbox world, its drills, a runbook.

In a wheel they live under ``drillkit/starter/`` (package data, see pyproject.toml's
force-include); in a clone or an editable install they are read from the clone itself.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

STARTER_FILES = (
    Path("drills/sandbox/world.yaml"),
    Path("drills/sandbox/us-outage.yaml"),
    Path("drills/sandbox/eu-outage.yaml"),
    Path("runbooks/regional-failover.md"),
)


def starter_root() -> Path:
    """Where the starter files are: the package data when installed, else the clone."""
    packaged = Path(str(resources.files("drillkit"))) / "starter"
    if (packaged / STARTER_FILES[0]).is_file():
        return packaged
    return Path(str(resources.files("drillkit"))).parent


def default_world() -> Path:
    """The default two-region sandbox world file."""
    return starter_root() / STARTER_FILES[0]


def copy_starter(destination: Path, force: bool = False) -> list[Path]:
    """Copy the starter files into ``destination``; returns what was written.

    Refuses (``FileExistsError`` naming them) to overwrite existing files unless ``force``.
    """
    root = starter_root()
    existing = [destination / f for f in STARTER_FILES if (destination / f).exists()]
    if existing and not force:
        raise FileExistsError(", ".join(str(p) for p in existing))
    written = []
    for relative in STARTER_FILES:
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target)
        written.append(target)
    (destination / "runbooks" / "evidence").mkdir(parents=True, exist_ok=True)
    return written
