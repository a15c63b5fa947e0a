"""``drillkit verify``: recompute the evidence chain of a directory and check its signatures."""

from __future__ import annotations

from pathlib import Path

import click

from drillkit.exitcodes import ExitCode


@click.command()
@click.argument(
    "directory",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--allowed-signers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="OpenSSH allowed_signers file: every signature must come from a key listed there.",
)
@click.option("--require-signatures", is_flag=True, help="A record without a .sig file is a break.")
@click.option(
    "--allow-unsealed",
    is_flag=True,
    help="Accept run records with no chain fields (a run killed before sealing its record, "
    "which the next run seals; or written by hand or by an older drillkit).",
)
@click.pass_context
def verify(
    ctx: click.Context,
    directory: Path | None,
    allowed_signers: Path | None,
    require_signatures: bool,
    allow_unsealed: bool,
) -> None:
    """Check that no evidence in DIRECTORY changed after it was written.

    DIRECTORY defaults to runbooks/evidence of the project (the nearest directory with
    runbooks/, else the current one).

    Recomputes the SHA-256 of every run's JSON, Markdown and JUnit, follows the chain from its
    genesis record to the newest record named in chain-head.json, and checks each FILE.sig with
    ssh-keygen. Warns when the newest record is unsigned or no --allowed-signers was given: then
    whoever can write DIRECTORY could rewrite its end unnoticed. Exit status: 0 when the chain
    holds, 1 when any link is broken (the first one is named), 2 on bad usage.
    """
    from drillkit.evidence.catalog import HEAD_NAME
    from drillkit.evidence.chain import Break, verify_chain

    if directory is None:
        from drillkit.cli.project import find_project

        project = find_project(Path.cwd())
        directory = project.evidence_dir
        click.echo(project.says("evidence", directory), err=True)
    if not directory.is_dir():
        raise click.BadParameter(f"{directory} is not a directory", param_hint="DIRECTORY")
    report = verify_chain(directory)
    breaks = list(report.breaks)
    if not allow_unsealed:
        breaks += [
            Break(
                p,
                "is not in the chain: written but never sealed (the run was killed before "
                "sealing?), or written by hand or by an older drillkit; the next run in this "
                "directory seals it, or pass --allow-unsealed",
            )
            for p in report.unsealed
        ]
    head = directory / HEAD_NAME
    chained = [*report.records, head] if report.records and head.exists() else report.records
    signed = [p for p in chained if p.with_name(p.name + ".sig").exists()]
    valid: set[Path] = set()
    if signed or require_signatures:
        from drillkit.adapters.signing import check

        for path in chained:
            if path not in signed:
                if require_signatures:
                    breaks.append(Break(path, "has no signature (.sig)"))
                continue
            result = check(path, allowed_signers)
            if not result.valid:
                breaks.append(Break(path, f"its signature does not verify: {result.detail}"))
                continue
            valid.add(path)
            if result.signer:
                click.echo(f"{path}: signed by {result.signer}")
    for path, by in report.sealed_late:
        click.echo(f"note: {path.name} was sealed late, by the run that wrote {by}: its own run "
                   "wrote it but never sealed it (killed before sealing?)", err=True)  # fmt: skip
    for warning in _warnings(report.records, head, valid, allowed_signers):
        click.echo(f"drillkit: WARNING: {warning}", err=True)
    if breaks:
        click.echo(f"drillkit: the evidence chain is broken at {breaks[0]}", err=True)
        for more in breaks[1:]:
            click.echo(f"  also: {more}", err=True)
        ctx.exit(ExitCode.OBJECTIVE_MISSED)
    click.echo(
        f"{directory}: chain holds: {len(report.records)} record(s) from the genesis record, "
        f"{len(signed)} signature(s) valid"
        + (f", {len(report.unsealed)} unsealed record(s) accepted" if report.unsealed else "")
    )


def _warnings(
    records: tuple[Path, ...], head: Path, valid: set[Path], allowed_signers: Path | None
) -> list[str]:
    """What a passing check cannot promise: the newest record unsigned, signers not checked."""
    if not records:
        return []
    newest, found = records[-1], []
    if newest not in valid:
        found.append(
            f"the newest record {newest.name} is protected only by signatures: unsigned, it could "
            f"be edited or removed, with {head.name} rewritten to match, without this check "
            "noticing (sign runs with drillkit run --sign-key; see docs/history.md)"
        )
    elif head not in valid:
        found.append(
            f"{head.name} is unsigned: the newest record {newest.name} could be removed, with "
            f"{head.name} rewritten to name the one before it, without this check noticing"
        )
    if valid and allowed_signers is None:
        found.append(
            "signatures checked for integrity only, not tied to a trusted key: anyone can sign "
            "an edited record with a key of their own; pass --allowed-signers FILE"
        )
    return found
