"""``drillkit rbac``: the least-privilege Kubernetes RBAC and Azure role a drill needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def _subject(service_account: str, user: str | None, group: str | None) -> Any:
    from drillkit.core.rbac import Subject

    if user and group:
        raise click.UsageError("give --user or --group, not both")
    if user:
        return Subject("User", user)
    if group:
        return Subject("Group", group)
    namespace, _, name = service_account.partition("/")
    if not namespace or not name:
        raise click.UsageError(f"--service-account {service_account!r}: expected NAMESPACE/NAME")
    return Subject("ServiceAccount", name, namespace)


def rbac_documents(drill: Any, subject: Any, region: str | None) -> dict[str, Any]:
    """``{"kubernetes": {region: List}, "azure": role}`` for ``drill``."""
    from drillkit.core.rbac import azure_role, region_rbac
    from drillkit.engine.faults import fault_type
    from drillkit.engine.preflight import required_access

    access = required_access(drill)
    if region is not None and region not in access:
        raise click.UsageError(f"--region {region!r} is not a region of the drill")
    name = f"drillkit-{drill.metadata.name}"
    kube = {
        r: {"apiVersion": "v1", "kind": "List", "items": region_rbac(name, checks, subject)}
        for r, checks in access.items()
        if region in (None, r)
    }
    azure = drill.environment.azure
    actions = fault_type(drill.fault).required_access(drill.fault, drill).azure
    role = azure_role(
        drill.metadata.name,
        actions,
        subscription_id=azure.subscription_id if azure else "${AZURE_SUBSCRIPTION_ID}",
        resource_group=azure.resource_group if azure else "${TM_RESOURCE_GROUP}",
    )
    return {"kubernetes": kube, "azure": role}


@click.command()
@click.argument("drill", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "format_",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="YAML documents to kubectl apply, or one JSON document.",
)
@click.option(
    "--part",
    type=click.Choice(["all", "kubernetes", "azure"]),
    default="all",
    show_default=True,
    help="Only the Kubernetes RBAC, or only the Azure role (--format json --part azure "
    "is the file `az role definition create --role-definition @FILE` takes).",
)
@click.option("--region", help="Only this region's Kubernetes RBAC.")
@click.option(
    "--service-account",
    default="drillkit/drillkit",
    show_default=True,
    help="NAMESPACE/NAME of the ServiceAccount the drill runs as.",
)
@click.option("--user", help="Bind to this User instead (e.g. an Entra ID object id on AKS).")
@click.option("--group", help="Bind to this Group instead.")
def rbac(
    drill: Path,
    *,
    format_: str,
    part: str,
    region: str | None,
    service_account: str,
    user: str | None,
    group: str | None,
) -> None:
    """Print the least-privilege RBAC for DRILL: per region, a Role/ClusterRole and bindings
    with exactly the verbs its fault, its lock and its preflight need; and the Azure custom role
    for its Traffic Manager profile (read-only unless the fault writes endpoints:
    disable-endpoint, and manual, whose restore may have to)."""
    import yaml

    from drillkit.spec.loader import load_drill

    spec = load_drill(drill)
    docs = rbac_documents(spec, _subject(service_account, user, group), region)
    if format_ == "json":
        chosen = docs if part == "all" else docs[part]
        click.echo(json.dumps(chosen, indent=2))
        return
    out: list[str] = []
    if part in ("all", "kubernetes"):
        for name, doc in docs["kubernetes"].items():
            context = spec.regions[name].kube_context
            header = f"# region {name}: kubectl --context {context} apply -f -\n"
            out.append(header + yaml.safe_dump(doc, sort_keys=False))
    if part in ("all", "azure"):
        header = "# Azure custom role (as JSON: drillkit rbac DRILL --format json --part azure)\n"
        out.append(header + yaml.safe_dump(docs["azure"], sort_keys=False))
    click.echo("---\n".join(out), nl=False)
