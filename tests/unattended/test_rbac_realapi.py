"""``drillkit rbac`` on the real kube-apiserver 1.20 tier, RBAC enforced: the generated rights
let a ServiceAccount run each fault type; without any one rule, preflight refuses (exit 3),
names the missing verb and resource, and changes nothing.

RBAC "permissions are purely additive (there are no 'deny' rules)" —
https://kubernetes.io/docs/reference/access-authn-authz/rbac/#role-and-clusterrole
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.sandbox.runtime import SandboxThread
from drillkit.sandbox.world import load_world
from tests.conftest import US_OUTAGE
from tests.realapi.cluster import RealCluster
from tests.realapi.fixtures import shared_cluster
from tests.unattended import realtier
from tests.unattended.realtier import SA_NAME, SA_NAMESPACE

pytestmark = [pytest.mark.realapi, pytest.mark.slow]

FAULTS = {
    "drain": {"type": "drain", "evictionTimeout": "1s", "onBlocked": "delete"},
    "scale-down": {"type": "scale-down", "namespace": "shop", "selector": "app=web"},
    "disable-endpoint": {"type": "disable-endpoint"},
}


@pytest.fixture(scope="module")
def tier(pytestconfig: pytest.Config) -> RealCluster:
    """The real tier (skips when it is not built)."""
    return shared_cluster(pytestconfig)


@pytest.fixture(scope="module")
def attach(tier: RealCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``--attach`` dir: Traffic Manager and DNS twins, kube contexts rbac-<region> on the real
    tier as the ServiceAccount drillkit-rbac/runner."""
    from drillkit.adapters import retry

    retry.set_testing(True)
    tokens = {region: realtier.service_account_token(tier, region) for region in tier.regions}
    base = tmp_path_factory.mktemp("rbac")
    kubeconfig = realtier.write_kubeconfig(tier, tokens, base / "kubeconfig")
    with SandboxThread(load_world(), base / "twin") as box:
        yield realtier.attach_dir(box.info, kubeconfig, base / "state")
    retry.set_testing(False)


def _drill(tmp_path: Path, fault_type: str) -> Path:
    data = yaml.safe_load(US_OUTAGE.read_text())
    data["metadata"] = {"name": f"rbac-{fault_type}"}
    data["fault"] = FAULTS[fault_type]
    data["abort"] = {"maxDuration": "15s", "onSurvivorUnhealthy": False}
    for region in data["regions"]:
        data["regions"][region]["kubeContext"] = f"rbac-{region}"
    folder = tmp_path / "drills"
    folder.mkdir(exist_ok=True)
    (folder / "world.yaml").write_text((US_OUTAGE.parent / "world.yaml").read_text())
    path = folder / f"{fault_type}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _generated(drill: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, [
        "rbac", str(drill), "--format", "json", "--part", "kubernetes",
        "--service-account", f"{SA_NAMESPACE}/{SA_NAME}",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def _apply(tier: RealCluster, region: str, doc: dict[str, Any]) -> None:
    realtier.must(realtier.kubectl(tier, region, "apply", "-f", "-", stdin=json.dumps(doc)))


def _delete(tier: RealCluster, region: str, doc: dict[str, Any]) -> None:
    realtier.kubectl(tier, region, "delete", "--ignore-not-found", "-f", "-",
                     stdin=json.dumps(doc))  # fmt: skip


def _run(drill: Path, attach: Path, tmp_path: Path) -> Any:
    return CliRunner().invoke(cli, [
        "run", str(drill), "--yes", "--attach", str(attach),
        "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
    ])  # fmt: skip


def _rules(rbac: dict[str, dict[str, Any]]) -> Iterator[tuple[str, int, int]]:
    for region, doc in rbac.items():
        for index, obj in enumerate(doc["items"]):
            if obj["kind"] in ("Role", "ClusterRole"):
                for rule in range(len(obj["rules"])):
                    yield region, index, rule


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    "fault_type",
    ["drain", "scale-down", "disable-endpoint"],
)
def test_generated_rbac_is_enough_and_every_rule_is_needed(
    tier: RealCluster,
    attach: Path,
    tmp_path: Path,
    fault_type: str,
    request: pytest.FixtureRequest,
) -> None:
    """With the generated RBAC the drill runs its fault and restores as the ServiceAccount; with
    any one rule removed, preflight exits 3 naming that rule's verb and resource, and the real
    world is exactly as before."""
    drill = _drill(tmp_path, fault_type)
    rbac = _generated(drill)
    for region, doc in rbac.items():
        _apply(tier, region, doc)
    request.addfinalizer(lambda: [_delete(tier, r, d) for r, d in rbac.items()])
    for region, index, rule in _rules(rbac):
        obj = rbac[region]["items"][index]
        namespace = obj["metadata"].get("namespace", "")
        realtier.wait_can_i(
            tier, region, rule=obj["rules"][rule], namespace=namespace, expected=True
        )
    before = realtier.world_state(tier)

    for region, index, rule in _rules(rbac):
        reduced = copy.deepcopy(rbac[region])
        role = reduced["items"][index]
        removed = role["rules"].pop(rule)
        namespace = role["metadata"].get("namespace", "")
        if role["rules"]:
            _apply(tier, region, {"apiVersion": "v1", "kind": "List", "items": [role]})
        else:
            _delete(tier, region, {"apiVersion": "v1", "kind": "List", "items": [role]})
        realtier.wait_can_i(tier, region, rule=removed, namespace=namespace, expected=False)
        result = _run(drill, attach, tmp_path / f"{region}-{index}-{rule}")
        assert result.exit_code == 3, result.output
        assert f"context rbac-{region} may not" in result.output
        group = removed["apiGroups"][0]
        for verb in removed["verbs"]:
            for resource in removed["resources"]:
                named = f"{verb} {group + '/' if group else ''}{resource}"
                assert named in result.output, (named, result.output)
        assert "nothing was changed" in result.output
        assert realtier.world_state(tier) == before
        _apply(tier, region, rbac[region])
        realtier.wait_can_i(tier, region, rule=removed, namespace=namespace, expected=True)

    result = _run(drill, attach, tmp_path / "full")
    assert result.exit_code != 3, result.output
    assert "forbidden" not in result.output.lower(), result.output
    journal = next((tmp_path / "full" / "runs").glob("*/journal.jsonl"))
    records = [json.loads(line) for line in journal.read_text().splitlines() if line]
    marks = {r.get("name") for r in records if r["kind"] == "mark"}
    assert {"fault_injected", "restored"} <= marks, marks
    failed = [r for r in records if r["kind"] == "result" and not r["ok"]]
    assert failed == [] and any(r["kind"] == "result" for r in records)
    assert realtier.world_state(tier) == before
