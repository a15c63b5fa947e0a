"""Evidence and runs default to the drill's project: the nearest parent with runbooks/, or cwd."""

from __future__ import annotations

from pathlib import Path

from drillkit.cli.project import find_project, project_of_drill
from tests.conftest import ROOT, US_OUTAGE


def test_drill_in_the_clone_belongs_to_the_clone(tmp_path: Path) -> None:
    """The shipped drill's project is the clone, whatever the current directory."""
    project = project_of_drill(US_OUTAGE, cwd=tmp_path)
    assert project.found and project.root == ROOT
    assert project.evidence_dir == ROOT / "runbooks" / "evidence"
    assert project.runs_dir == ROOT / ".drillkit" / "runs"
    assert project.says("evidence", project.evidence_dir).endswith(
        f"(next to the project {ROOT} (the nearest directory with runbooks/))"
    )


def test_no_runbooks_anywhere_means_the_current_directory(tmp_path: Path) -> None:
    """A drill with no runbooks/ above it files evidence under the current directory, saying so."""
    drill = tmp_path / "a" / "b" / "drill.yaml"
    drill.parent.mkdir(parents=True)
    drill.write_text("kind: Drill\n")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    project = project_of_drill(drill, cwd=cwd)
    assert (project.found, project.root) == (False, cwd)
    assert "no parent directory has runbooks/" in project.says("runs", project.runs_dir)


def test_nearest_parent_wins(tmp_path: Path) -> None:
    """With runbooks/ at two levels, the nearer one is the project."""
    (tmp_path / "runbooks").mkdir()
    inner = tmp_path / "team" / "runbooks"
    inner.mkdir(parents=True)
    assert find_project(tmp_path / "team").root == tmp_path / "team"
