"""Evidence renderers: Markdown, JSON, JUnit; ``render`` one format or ``write_evidence`` all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from drillkit.core.report import RunReport
from drillkit.evidence.json import render_json
from drillkit.evidence.junit import render_junit
from drillkit.evidence.markdown import check_template, render_markdown

__all__ = [
    "DEFAULT_EVIDENCE_DIR",
    "FORMATS",
    "Format",
    "check_template",
    "render",
    "write_evidence",
]

Format = Literal["md", "json", "junit"]
FORMATS: tuple[Format, ...] = ("md", "json", "junit")
DEFAULT_EVIDENCE_DIR = Path("runbooks/evidence")
_SUFFIX = {"markdown": ".md", "json": ".json", "junit": ".junit.xml"}
_KIND: dict[str, Format] = {"markdown": "md", "json": "json", "junit": "junit"}


def render(report: RunReport, fmt: str, template: Path | None = None) -> str:
    """The run in one format: ``md`` (or ``markdown``), ``json`` or ``junit``."""
    if fmt in ("md", "markdown"):
        return render_markdown(report, template)
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report)
    raise ValueError(f"unknown evidence format {fmt!r}; use one of md, json, junit")


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)  # never leave a 0-byte .partial behind
        raise


def write_evidence(
    report: RunReport, directory: Path, template: Path | None = None
) -> dict[str, Path]:
    """Write ``<runId>.md``, ``.json`` and ``.junit.xml`` into ``directory`` (created if needed).

    Returns the paths keyed ``markdown``, ``json`` and ``junit``.
    """
    if not report.run_id or any(c in report.run_id for c in "/\\\0") or report.run_id[0] == ".":
        raise ValueError(f"run id {report.run_id!r} cannot name a file")
    rendered = {kind: render(report, fmt, template) for kind, fmt in _KIND.items()}
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for kind, text in rendered.items():
        paths[kind] = directory / f"{report.run_id}{_SUFFIX[kind]}"
        _write_atomically(paths[kind], text)
    return paths
