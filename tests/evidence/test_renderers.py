"""The renderer registry decides the formats, the files and the CLI's choices; `run --output
json` is built from the evidence document."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from drillkit.cli.run_commands import report as report_command
from drillkit.cli.run_commands import run as run_command
from drillkit.evidence import (
    DEFAULT_EVIDENCE_DIR,
    RENDERERS,
    link_runbook,
    render,
    write_evidence,
)
from drillkit.evidence.document import evidence_document, run_summary
from tests.evidence.reports import RUN_ID, make_report


def _option(command: click.Command, name: str) -> click.Option:
    return next(p for p in command.params if isinstance(p, click.Option) and p.name == name)


def test_write_evidence_writes_one_file_per_renderer(tmp_path: Path) -> None:
    """Every registered renderer gives one file, keyed and suffixed as it says."""
    paths = write_evidence(make_report(), tmp_path)
    assert set(paths) == {r.key for r in RENDERERS.values()}
    for renderer in RENDERERS.values():
        assert paths[renderer.key] == tmp_path / f"{RUN_ID}{renderer.suffix}"
        # as rendered; the Markdown's runbook link is relative to the directory it went to
        linked = link_runbook(make_report(), tmp_path) if renderer.name == "md" else make_report()
        expected = renderer.render(linked, None)
        assert paths[renderer.key].read_text() == expected


def test_the_cli_formats_and_evidence_dir_come_from_the_registry() -> None:
    """`report --format` offers exactly the registered renderers; `run` writes to the
    evidence package's default directory."""
    fmt = _option(report_command, "fmt")
    assert isinstance(fmt.type, click.Choice) and list(fmt.type.choices) == list(RENDERERS)
    evidence_dir = _option(run_command, "evidence_dir")
    # unset: the drill's project decides (cli/project.py), under DEFAULT_EVIDENCE_DIR
    assert str(DEFAULT_EVIDENCE_DIR) in (evidence_dir.help or "")
    assert "nearest directory with runbooks/" in (evidence_dir.help or "")


def test_render_takes_a_format_name_or_a_key_and_refuses_others() -> None:
    """`md` and `markdown` are the same renderer; an unknown format names the known ones."""
    report = make_report()
    assert render(report, "md") == render(report, "markdown")
    with pytest.raises(ValueError, match="use one of md, json, junit"):
        render(report, "pdf")


def test_run_summary_is_the_evidence_documents_headline(tmp_path: Path) -> None:
    """`run --output json` carries the evidence document's verdict, flattened, plus the paths."""
    report = make_report()
    document = evidence_document(report)
    summary = run_summary(report, evidence={"json": tmp_path / "x.json"}, journal=tmp_path / "j")
    assert summary["runId"] == document["runId"] == RUN_ID
    assert summary["verdict"] == document["verdict"]["outcome"] == "pass"
    assert summary["restored"] is document["verdict"]["restored"] is True
    assert summary["faultInjectedAt"] == document["phases"]["faultInjectedAt"]
    assert summary["metrics"]["rtoS"] == round(report.metrics.rto.measured, 3)  # type: ignore[union-attr]
    assert summary["evidence"] == {"json": str(tmp_path / "x.json")}
