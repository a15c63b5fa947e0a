"""``drillkit plan``: what a drill would do, without changing anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from drillkit.engine.inspect import Inspection


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
@click.option(
    "--inspect",
    is_flag=True,
    help="Also read (never write) the clusters and Traffic Manager: which endpoints belong to "
    "which region, and which PodDisruptionBudgets will block the drain. A sandbox drill starts "
    "its twin for this unless --attach is given.",
)
@click.option(
    "--attach", type=click.Path(file_okay=False, path_type=Path),
    help="With --inspect: use the twin started by `drillkit sandbox up --state-dir STATE_DIR`.",
)  # fmt: skip
@click.pass_context
def plan(ctx: click.Context, drill: Path, output: str, inspect: bool, attach: Path | None) -> None:
    """Show the ordered steps DRILL would take: regions, fault, vantage points and what each
    should see during the outage, and the objectives. Offline unless --inspect; never changes
    anything."""
    from drillkit.core.plan import build_plan, render_text
    from drillkit.spec.loader import load_drill

    model = load_drill(drill)
    inspection = None
    if inspect:
        from drillkit.cli.wiring import wiring_of
        from drillkit.engine.inspect import inspect as read_only_inspection

        with wiring_of(ctx).connect(model, drill, attach) as conns:
            inspection = read_only_inspection(model, conns)
    if inspection is None:
        result = build_plan(model)
    else:
        result = build_plan(model, inspection.profiles, inspection.watched)
    if output == "json":
        document = result.to_dict()
        if inspection is not None:
            document["inspection"] = _inspection_dict(inspection)
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(render_text(result))
    if inspection is not None:
        click.echo("")
        click.echo(_inspection_text(inspection))


def _inspection_dict(inspection: Inspection) -> dict[str, Any]:
    return {
        "endpoints": {region: list(keys) for region, keys in inspection.endpoints.items()},
        "blockingBudgets": [
            {
                "pdb": b.pdb,
                "pods": list(b.pods),
                "disruptionsAllowed": b.allowed,
                "blocked": list(b.blocked),
                "then": b.then,
            }
            for b in inspection.blocks
        ],
        "notes": list(inspection.notes),
        "design": list(inspection.design),
        "designRefusals": list(inspection.refusals),
        "prediction": inspection.prediction.to_dict() if inspection.prediction else None,
        "profiles": inspection.profiles,
        "watched": inspection.watched,
    }


def _inspection_text(inspection: Inspection) -> str:
    lines = ["inspection (read-only):"]
    for region, keys in inspection.endpoints.items():
        lines.append(f"  endpoints of {region}: {', '.join(keys) or 'none'}")
    for block in inspection.blocks:
        lines.append(
            f"  budget {block.pdb} allows {block.allowed} eviction(s) now; "
            f"{len(block.blocked)} pod(s) will stay blocked ({', '.join(block.blocked)}): "
            f"{block.then}"
        )
    lines.extend(f"  note: {note}" for note in inspection.notes)
    if inspection.design:
        lines.append("  Traffic Manager design:")
        lines.extend(f"    {line}" for line in inspection.design)
    lines.extend(f"  refuse: {reason}" for reason in inspection.refusals)
    p = inspection.prediction
    if p is not None:
        lines += [
            f"  predicted (real-world s after the target stops answering; {p.basis}):",
            f"    Degraded: {p.detection.earliest_s:g}-{p.detection.latest_s:g} s",
            f"    DNS flip at Traffic Manager's servers: "
            f"{p.dns_flip.earliest_s:g}-{p.dns_flip.latest_s:g} s",
            f"    every client moved (flip + TTL {p.ttl_s} s): by {p.client.latest_s:g} s",
        ]
    return "\n".join(lines)
