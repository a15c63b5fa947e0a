"""Evidence renderers: Markdown, JSON, JUnit, in one registry (``RENDERERS``); ``render`` one
format or ``write_evidence`` all."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drillkit.core.report import RunReport
from drillkit.evidence.files import write_atomically
from drillkit.evidence.json import render_json
from drillkit.evidence.junit import render_junit
from drillkit.evidence.links import runbook_link
from drillkit.evidence.markdown import check_template, render_markdown

__all__ = [
    "DEFAULT_EVIDENCE_DIR",
    "RENDERERS",
    "Renderer",
    "check_template",
    "link_runbook",
    "render",
    "write_evidence",
]

DEFAULT_EVIDENCE_DIR = Path("runbooks") / "evidence"


@dataclass(frozen=True, slots=True)
class Renderer:
    """One evidence format: its ``--format`` name, its key in the written paths, its file
    suffix, and the function that renders a report (with an optional Markdown template)."""

    name: str
    key: str
    suffix: str
    render: Callable[[RunReport, Path | None], str]


RENDERERS: dict[str, Renderer] = {
    r.name: r
    for r in (
        Renderer("md", "markdown", ".md", render_markdown),
        Renderer("json", "json", ".json", lambda report, _: render_json(report)),
        Renderer("junit", "junit", ".junit.xml", lambda report, _: render_junit(report)),
    )
}
"""Format name -> renderer, in the order evidence is written."""


def render(report: RunReport, fmt: str, template: Path | None = None) -> str:
    """The run in one format: a ``RENDERERS`` name (or a renderer's key, e.g. ``markdown``)."""
    renderer = RENDERERS.get(fmt) or next((r for r in RENDERERS.values() if r.key == fmt), None)
    if renderer is None:
        raise ValueError(f"unknown evidence format {fmt!r}; use one of {', '.join(RENDERERS)}")
    return renderer.render(report, template)


def link_runbook(report: RunReport, directory: Path) -> RunReport:
    """The report with its runbook link made relative to ``directory``, where it is read."""
    link = runbook_link(report.drill.runbook, report.drill.path, directory)
    if link == report.drill.runbook:
        return report
    return dataclasses.replace(report, drill=dataclasses.replace(report.drill, runbook=link))


def write_evidence(
    report: RunReport, directory: Path, template: Path | None = None
) -> dict[str, Path]:
    """Write one file per renderer (``<runId>.md``, ``.json``, ``.junit.xml``) into
    ``directory`` (created if needed); returns the paths by renderer key (``markdown``, ...).
    """
    if not report.run_id or any(c in report.run_id for c in "/\\\0") or report.run_id[0] == ".":
        raise ValueError(f"run id {report.run_id!r} cannot name a file")
    # The Markdown is read where it lies: its runbook link must work from there. The JSON keeps
    # the drill's own value (relative to the drill file).
    linked = link_runbook(report, directory)
    rendered = {
        r: r.render(linked if r.name == "md" else report, template) for r in RENDERERS.values()
    }
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for renderer, text in rendered.items():
        paths[renderer.key] = directory / f"{report.run_id}{renderer.suffix}"
        write_atomically(paths[renderer.key], text)
    return paths
