"""``drillkit sandbox tour --dir EXISTING`` never overwrites the user's edits to the starter
files silently: it names them and exits 2, unless they are the shipped ones or --force."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.cli.starter import copy_starter

DRILL = Path("drills/sandbox/us-outage.yaml")
RUNBOOK = Path("runbooks/regional-failover.md")


def _tour(directory: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sandbox", "tour", "--dir", str(directory), *extra])
    return result.exit_code, result.output


def test_edited_starter_files_are_named_and_kept(tmp_path: Path) -> None:
    """An edited drill and runbook in --dir: exit 2 naming both, and both keep their edits."""
    copy_starter(tmp_path)
    (tmp_path / DRILL).write_text("# my drill\n")
    (tmp_path / RUNBOOK).write_text("# my runbook\n")
    code, output = _tour(tmp_path)
    assert code == 2
    assert "would overwrite your changes" in output and "--force" in output
    assert str(tmp_path / DRILL) in output and str(tmp_path / RUNBOOK) in output
    assert "world.yaml" not in output
    assert (tmp_path / DRILL).read_text() == "# my drill\n"
    assert (tmp_path / RUNBOOK).read_text() == "# my runbook\n"


def test_identical_starter_files_or_force_pass_the_check(tmp_path: Path) -> None:
    """Shipped files unchanged, or --force, get past the overwrite check (to the terminal
    check, which this runner without a terminal fails with its own message)."""
    copy_starter(tmp_path)
    code, output = _tour(tmp_path)
    assert code == 2 and "needs a terminal" in output and "overwrite" not in output
    (tmp_path / DRILL).write_text("# my drill\n")
    code, output = _tour(tmp_path, "--force")
    assert code == 2 and "needs a terminal" in output and "overwrite" not in output
