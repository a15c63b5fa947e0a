"""``drillkit plan``: what a drill would do, without touching anything."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("drill", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Readable text, or one JSON document on stdout.",
)
def plan(drill: Path, output: str) -> None:
    """Show the ordered steps DRILL would take, offline: regions, fault, vantage points and
    what each should see during the outage, and the objectives. Changes nothing."""
    from drillkit.core.plan import build_plan, render_text
    from drillkit.spec.loader import load_drill

    result = build_plan(load_drill(drill))
    if output == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(render_text(result))
