"""``drillkit history``: every run of an evidence directory, its trend and its regressions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise click.BadParameter(
            f"{value!r} is not a date; use e.g. 2026-11-30 or 2026-11-30T21:00Z",
            param_hint="--since",
        ) from e
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@click.command()
@click.option("--drill", "drill", metavar="NAME", help="Only the runs of this drill.")
@click.option("--since", metavar="DATE", help="Only runs started at or after DATE (UTC, ISO 8601).")
@click.option(
    "--evidence-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The evidence directory to read (default: runbooks/evidence of the project: the "
    "nearest directory with runbooks/, else the current one).",
)
@click.option(
    "--last",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    help="The trend is the median and p95 RTO of this many most recent runs per drill.",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json", "md"]),
    default="text",
    show_default=True,
)
def history(
    drill: str | None,
    since: str | None,
    evidence_dir: Path | None,
    last: int,
    output: str,
) -> None:
    """Show every run newest first, the RTO trend per drill, and flagged regressions.

    A regression is an objective missed, an RTO over 1.5x the median of the previous 5 passing
    runs, or an objective's margin shrinking 3 runs in a row. Exit status: 0, or 2 on bad
    usage or a missing evidence directory. The JSON document is described in docs/history.md.
    """
    from drillkit.core.history import build_history
    from drillkit.evidence.catalog import read_catalog
    from drillkit.evidence.history import (
        history_document,
        render_history_json,
        render_history_markdown,
        render_history_text,
    )

    if evidence_dir is None:
        from drillkit.cli.project import find_project

        project = find_project(Path.cwd())
        evidence_dir = project.evidence_dir
        click.echo(project.says("evidence", evidence_dir), err=True)
    if not evidence_dir.is_dir():
        raise click.BadParameter(
            f"{evidence_dir} is not a directory, so it holds no runs; pass the directory the "
            "runs wrote their evidence to (run --evidence-dir)",
            param_hint="--evidence-dir",
        )
    catalog = read_catalog(evidence_dir)
    result = build_history(catalog.rows(), drill=drill, since=_since(since), last=last)
    document = history_document(
        result,
        str(evidence_dir),
        {"drill": drill, "since": since, "last": last},
        [{"path": str(p), "error": e} for p, e in catalog.unreadable],
    )
    render = {"json": render_history_json, "md": render_history_markdown}
    click.echo(render.get(output, render_history_text)(document), nl=False)
