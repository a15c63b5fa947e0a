"""``drillkit rbac``: YAML to kubectl apply per region, JSON for `az role definition create`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.conftest import US_OUTAGE


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["rbac", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_yaml_has_one_list_per_region_named_for_its_context() -> None:
    """Each region's RBAC is one List document, headed by the kubectl command for its context;
    the target gets the fault's rights, the survivor only the Lease's and the marker scan's."""
    text = _invoke(str(US_OUTAGE))
    assert "# region us: kubectl --context sandbox-us apply -f -" in text
    assert "# region eu: kubectl --context sandbox-eu apply -f -" in text
    docs = list(yaml.safe_load_all(text))
    us, eu, role = docs
    assert {o["kind"] for o in us["items"]} == {
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
    }
    assert [o["kind"] for o in eu["items"]] == [
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
    ]
    assert all(r["verbs"] == ["list"] for r in eu["items"][0]["rules"])
    assert eu["items"][2]["rules"][0]["resources"] == ["leases"]
    assert role["Name"] == "drillkit us-outage"


def test_disable_endpoint_gets_write_actions_and_nothing_else_does(
    write_drill: Callable[..., Path], us_outage_text: str
) -> None:
    """--format json --part azure is the role file; only disable-endpoint may write endpoints."""
    read_only = json.loads(_invoke(str(US_OUTAGE), "--format", "json", "--part", "azure"))
    assert all(a.endswith("/read") for a in read_only["Actions"])
    text = us_outage_text.replace("type: drain", "type: disable-endpoint")
    for key in ("nodeSelector", "evictionTimeout", "onBlocked"):
        text = "\n".join(line for line in text.splitlines() if f"  {key}:" not in line) + "\n"
    drill = write_drill(text)
    writing = json.loads(_invoke(str(drill), "--format", "json", "--part", "azure"))
    assert "Microsoft.Network/trafficManagerProfiles/externalEndpoints/write" in writing["Actions"]


def test_subject_and_region_options() -> None:
    """--user binds an Entra ID object id; --region keeps one region; a bad account is usage."""
    data = json.loads(_invoke(str(US_OUTAGE), "--format", "json", "--region", "eu",
                              "--user", "11111111-2222"))  # fmt: skip
    assert list(data["kubernetes"]) == ["eu"]
    binding = data["kubernetes"]["eu"]["items"][1]
    assert binding["subjects"] == [
        {"kind": "User", "name": "11111111-2222", "apiGroup": "rbac.authorization.k8s.io"}
    ]
    bad = CliRunner().invoke(cli, ["rbac", str(US_OUTAGE), "--service-account", "nope"])
    assert bad.exit_code == 2 and "NAMESPACE/NAME" in bad.output


def test_a_pause_drill_may_list_the_paused_kinds_everywhere() -> None:
    """controllers: pause marks the paused object, so the target's ClusterRole lets the marker
    scan list ScaledObjects, Kustomizations and HelmReleases in every namespace."""
    from tests.conftest import ROOT

    drill = ROOT / "drills" / "sandbox" / "hostile" / "keda-pause.yaml"
    us = next(yaml.safe_load_all(_invoke(str(drill))))
    cluster_role = next(o for o in us["items"] if o["kind"] == "ClusterRole")
    listed = {
        (group, resource)
        for rule in cluster_role["rules"]
        if "list" in rule["verbs"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert {
        ("keda.sh", "scaledobjects"),
        ("kustomize.toolkit.fluxcd.io", "kustomizations"),
        ("helm.toolkit.fluxcd.io", "helmreleases"),
    } <= listed
