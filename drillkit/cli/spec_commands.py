"""``drillkit validate`` and ``drillkit schema``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from drillkit.errors import DrillDefinitionError
from drillkit.exitcodes import ExitCode


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True))
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not the files that passed.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], quiet: bool) -> None:
    """Check drill files and report every problem as FILE:LINE:COL: message.

    A directory is searched for *.yaml and *.yml drill files (world files are skipped).
    Exit status: 0 when every file is valid, 2 when any is not.
    """
    from drillkit.spec.loader import drill_files, load_drill

    invalid = 0
    for path in drill_files(paths):
        try:
            load_drill(path)
        except DrillDefinitionError as e:
            invalid += 1
            for problem in e.problems:
                click.echo(str(problem), err=True)
        else:
            if not quiet:
                click.echo(f"{path}: valid")
    if invalid:
        click.echo(f"{invalid} invalid drill file(s)", err=True)
        ctx.exit(ExitCode.USAGE)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the drill file format to stdout.

    Point your editor's YAML language server at it, e.g. with a first line
    "# yaml-language-server: $schema=drill.schema.json" (see the README).
    """
    from drillkit.spec.schema import drill_schema

    click.echo(json.dumps(drill_schema(), indent=2))
