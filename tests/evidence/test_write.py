"""Writing the three evidence files and choosing a format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drillkit.evidence import render, write_evidence
from tests.evidence.reports import RUN_ID, make_report


def test_writes_three_files_named_by_run(tmp_path: Path) -> None:
    """write_evidence creates the directory and writes <runId>.md, .json and .junit.xml."""
    report = make_report()
    target = tmp_path / "runbooks" / "evidence"
    paths = write_evidence(report, target)
    assert paths == {
        "markdown": target / f"{RUN_ID}.md",
        "json": target / f"{RUN_ID}.json",
        "junit": target / f"{RUN_ID}.junit.xml",
    }
    assert paths["json"].read_text(encoding="utf-8") == render(report, "json")
    assert paths["junit"].read_text(encoding="utf-8") == render(report, "junit")
    assert paths["markdown"].read_text(encoding="utf-8").startswith("# Drill evidence: us-outage")
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in paths.values())


def test_write_uses_the_template(tmp_path: Path) -> None:
    """A template passed to write_evidence shapes the Markdown file."""
    template = tmp_path / "t.j2"
    template.write_text("run {{ runId }}\n", encoding="utf-8")
    paths = write_evidence(make_report(), tmp_path / "out", template=template)
    assert paths["markdown"].read_text(encoding="utf-8") == f"run {RUN_ID}\n"


def test_run_id_cannot_escape_the_directory(tmp_path: Path) -> None:
    """A run id with a path separator is refused before anything is written."""
    bad = replace(make_report(), run_id="../x")
    with pytest.raises(ValueError, match="cannot name a file"):
        write_evidence(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused() -> None:
    """render names the formats it knows when given another."""
    with pytest.raises(ValueError, match="use one of md, json, junit"):
        render(make_report(), "html")
