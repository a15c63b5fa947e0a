"""Markdown evidence from a jinja2 template, rendered natively by GitHub and Azure DevOps."""

from __future__ import annotations

import traceback
from importlib import resources
from pathlib import Path
from typing import Any

from drillkit.core.report import RunReport
from drillkit.errors import DrillDefinitionError, Problem
from drillkit.evidence.data import data_markdown
from drillkit.evidence.document import evidence_document, utc
from drillkit.evidence.mermaid import gantt, rto_bars

DEFAULT_TEMPLATE = "evidence.md.j2"


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped, ``-`` for nothing."""
    if value is None or value == "":
        return "-"
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _pm(half: float | None) -> str:
    """`` ± half`` for a sampled measure, nothing for an exact one."""
    return "" if not half else f" ± {half:.3f}"


def _filters(fault_at: float | None) -> dict[str, Any]:
    def rel(epoch: float | None) -> str:
        if epoch is None or fault_at is None:
            return "-"
        return f"{epoch - fault_at:+.3f}"

    def secs(measure: dict[str, float] | None) -> str:
        if measure is None:
            return "never"
        return _number(measure["measuredS"]) + _pm(measure.get("pmS"))

    def real(measure: dict[str, float] | None) -> str:
        if measure is None:
            return "never"
        return _number(measure["realS"]) + _pm(measure.get("realPmS"))

    def held(value: bool) -> str:
        return "✅ held" if value else "❌ missed"

    return {
        "cell": cell,
        "utc": lambda epoch: utc(epoch) or "-",
        "rel": rel,
        "secs": secs,
        "real": real,
        "held": held,
    }


def _template_source(template: Path | None) -> str:
    if template is None:
        return (resources.files("drillkit.evidence") / "templates" / DEFAULT_TEMPLATE).read_text(
            encoding="utf-8"
        )
    try:
        return template.read_text(encoding="utf-8")
    except OSError as e:
        raise DrillDefinitionError(
            [Problem(str(template), 1, 1, f"cannot read the evidence template: {e.strerror}")]
        ) from e


def _environment(fault_at: float | None) -> Any:
    import jinja2

    env = jinja2.Environment(
        autoescape=False,  # Markdown, not HTML: the cell filter makes table text safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(_filters(fault_at))
    return env


def _template_line(error: Exception) -> int:
    """The template line of an error: a syntax error knows it; a render error's traceback does.

    jinja2 rewrites the traceback of a render error so that its frames point into the template
    (file name ``<template>`` for ``from_string``); the innermost such frame is the real line.
    """
    line = getattr(error, "lineno", None)
    if isinstance(line, int) and line > 0:
        return line
    found = 1
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == "<template>":
            found = lineno
    return found


def _template_problem(template: Path | None, error: Exception) -> DrillDefinitionError:
    where = str(template) if template is not None else DEFAULT_TEMPLATE
    line = _template_line(error)
    message = getattr(error, "message", None) or str(error)
    return DrillDefinitionError([Problem(where, line, 1, f"evidence template error: {message}")])


def check_template(template: Path) -> None:
    """Refuse an unreadable or syntactically wrong template before a run starts, not after."""
    import jinja2

    try:
        _environment(None).parse(_template_source(template))
    except jinja2.TemplateError as e:
        raise _template_problem(template, e) from e


def render_markdown(report: RunReport, template: Path | None = None) -> str:
    """Render the run with the packaged template, or with ``template`` (a jinja2 file) instead.

    The template sees the JSON evidence document's keys plus ``mermaid`` (the gantt source) and
    ``mermaid_parts`` (the RTO-parts stacked bars, None when no vantage point moved).
    """
    import jinja2

    env = _environment(report.timeline.fault_injected_at)
    try:
        compiled = env.from_string(_template_source(template))
        tl = report.timeline
        data_section = data_markdown(
            report.data, tl.time_scale, tl.fault_injected_at, report.target,
            ", ".join(report.survivors),
        )  # fmt: skip
        text: str = compiled.render(
            **evidence_document(report),
            mermaid=gantt(report),
            mermaid_parts=rto_bars(report),
            dataSection=data_section,
        )
    except jinja2.TemplateError as e:
        raise _template_problem(template, e) from e
    return text if text.endswith("\n") else text + "\n"
