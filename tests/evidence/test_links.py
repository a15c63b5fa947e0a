"""The runbook link in evidence is relative to the evidence file, so it works where rendered."""

from __future__ import annotations

import os
from pathlib import Path

from drillkit.evidence.links import runbook_link
from tests.conftest import ROOT, US_OUTAGE


def test_shipped_runbook_from_the_default_evidence_dir():
    """The us-outage drill's runbook, seen from runbooks/evidence, is ../regional-failover.md."""
    link = runbook_link(
        "../../runbooks/regional-failover.md", str(US_OUTAGE), ROOT / "runbooks" / "evidence"
    )
    assert link == "../regional-failover.md"
    assert (
        ROOT / "runbooks" / "evidence" / link
    ).resolve() == ROOT / "runbooks" / "regional-failover.md"


def test_relative_drill_path_and_other_evidence_dir(tmp_path: Path, monkeypatch):
    """A relative drill path resolves from the cwd; any evidence dir gets a working link."""
    monkeypatch.chdir(ROOT)
    link = runbook_link(
        "../../runbooks/regional-failover.md", "drills/sandbox/us-outage.yaml", tmp_path
    )
    assert (tmp_path / link).resolve() == ROOT / "runbooks" / "regional-failover.md"


def test_urls_and_absolute_paths_are_kept():
    """A URL or an absolute path is left as the drill wrote it."""
    for runbook in ("https://wiki.example.org/failover", "/srv/runbooks/failover.md"):
        assert runbook_link(runbook, "drills/x.yaml", Path("/tmp")) == runbook
    assert runbook_link(None, "drills/x.yaml", Path("/tmp")) is None


def test_written_markdown_links_the_runbook_from_where_it_lies(tmp_path: Path, monkeypatch):
    """The Markdown written under runbooks/evidence links ../regional-failover.md; the JSON keeps
    the drill's own value."""
    import json

    from drillkit.evidence import write_evidence
    from tests.evidence.reports import make_report

    monkeypatch.chdir(ROOT)  # the report's drill path is relative to the clone
    paths = write_evidence(make_report(), tmp_path / "evidence")
    runbook = Path(__file__).resolve().parents[2] / "runbooks" / "regional-failover.md"
    expected = Path(os.path.relpath(runbook, tmp_path / "evidence")).as_posix()
    assert f"| Runbook | [{expected}](<{expected}>) |" in paths["markdown"].read_text()
    assert json.loads(paths["json"].read_text())["drill"]["runbook"] == (
        "../../runbooks/regional-failover.md"
    )
