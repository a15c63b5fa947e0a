"""``drillkit validate`` and ``drillkit schema``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from drillkit.errors import DrillDefinitionError, Problem
from drillkit.exitcodes import ExitCode


def _load(path: Path, unset: list[Problem] | None) -> str:
    """Validate one file by its ``kind``; returns the kind it was validated as."""
    from drillkit.spec.loader import KINDS, document_kind, load_drill, load_model

    kind = document_kind(path)
    if kind == "SandboxWorld":
        from drillkit.sandbox.world import World

        load_model(path, World, unset=unset)
        return "world"
    if kind not in (None, *KINDS):
        known = " or ".join(KINDS)
        raise DrillDefinitionError(
            [Problem(str(path), 1, 1, f"kind {kind} is not a drillkit document (use {known})")]
        )
    load_drill(path, unset=unset)
    return "drill"


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True))
@click.option("-q", "--quiet", is_flag=True, help="Print problems only, not the files that passed.")
@click.option(
    "--strict",
    is_flag=True,
    help="An unset ${VAR} is an error (by default a warning, so CI can lint without secrets).",
)
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], quiet: bool, strict: bool) -> None:
    """Check drill and world files and report every problem as FILE:LINE:COL: message.

    Each file is validated by its kind: Drill files as drills, SandboxWorld files against the
    world schema (drillkit schema --kind world). A directory is searched for both. An unset
    ${VAR} is a warning unless --strict (plan and run always refuse it). Exit status: 0 when
    every file is valid, 2 when any is not.
    """
    from drillkit.spec.loader import drill_files

    invalid = 0
    for path in drill_files(paths):
        unset: list[Problem] | None = None if strict else []
        try:
            kind = _load(path, unset)
        except DrillDefinitionError as e:
            invalid += 1
            for problem in e.problems:
                click.echo(str(problem), err=True)
            continue
        for warning in unset or []:
            click.echo(
                f"{warning.file}:{warning.line}:{warning.column}: warning: {warning.message} "
                "(an error for plan and run; --strict makes it one here)",
                err=True,
            )
        if not quiet:
            click.echo(f"{path}: valid {kind}")
    if invalid:
        click.echo(f"{invalid} invalid file(s)", err=True)
        ctx.exit(ExitCode.USAGE)


@click.command()
@click.option(
    "--kind",
    type=click.Choice(["drill", "world"]),
    default="drill",
    show_default=True,
    help="drill: the drill file (kind: Drill); world: the sandbox world file (kind: SandboxWorld).",
)
def schema(kind: str) -> None:
    """Print the JSON Schema of the drill (or sandbox world) file format to stdout.

    Point your editor's YAML language server at it, e.g. with a first line
    "# yaml-language-server: $schema=drill.schema.json" (see the README).
    """
    from drillkit.spec.schema import drill_schema, model_schema

    if kind == "world":
        from drillkit.sandbox.world import World

        click.echo(json.dumps(model_schema(World, WORLD_SCHEMA_ID), indent=2))
        return
    click.echo(json.dumps(drill_schema(), indent=2))


WORLD_SCHEMA_ID = "https://drillkit.dev/schemas/world-v1.json"
