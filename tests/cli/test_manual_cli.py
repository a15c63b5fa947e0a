"""The manual fault through the CLI: its example drill validates, its plan says what the person
does and what is watched, and `drillkit rbac` grants exactly what its restore may need."""

from __future__ import annotations

import json

from click.testing import CliRunner

from drillkit.cli.main import cli
from tests.conftest import ROOT

MANUAL_DRILL = ROOT / "drills" / "sandbox" / "us-outage-manual.yaml"


def test_the_manual_example_validates() -> None:
    """drills/sandbox/us-outage-manual.yaml is a valid drill."""
    result = CliRunner().invoke(cli, ["validate", str(MANUAL_DRILL)])
    assert result.exit_code == 0, result.output
    assert "valid drill" in result.output


def test_the_manual_plan_explains_the_persons_part() -> None:
    """The plan's inject step says drillkit changes nothing, shows the page and instructions,
    and names what is watched."""
    result = CliRunner().invoke(cli, ["plan", str(MANUAL_DRILL)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "drillkit changes nothing: you cause the outage of us by hand" in out
    assert "page shown when the drill is ready: CRITICAL StorefrontUSDown" in out
    assert "you are asked to: US is failing." in out
    assert "endpointStatus of every endpoint and profileStatus of every profile" in out
    assert "the time to act is measured from the page" in out


def test_manual_rbac_reads_to_watch_and_writes_to_restore() -> None:
    """The target may patch nodes and /scale, never evict or delete pods; the survivor may
    patch /scale only (a runbook may scale it up); the Azure role may write endpoints (restore)
    in every endpoint type, nested included."""
    result = CliRunner().invoke(cli, ["rbac", str(MANUAL_DRILL), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)

    def rules_of(region: str) -> list[tuple[str, str]]:
        return [
            (resource, verb)
            for obj in doc["kubernetes"][region]["items"]
            for rule in obj.get("rules", [])
            for resource in rule["resources"]
            for verb in rule["verbs"]
        ]

    rules = rules_of("us")
    assert ("nodes", "patch") in rules
    assert ("deployments/scale", "patch") in rules and ("statefulsets/scale", "patch") in rules
    assert not any(resource.startswith("pods") for resource, _ in rules)
    survivor = rules_of("eu")
    assert ("deployments/scale", "patch") in survivor and ("nodes", "patch") not in survivor
    assert (
        "Microsoft.Network/trafficManagerProfiles/nestedEndpoints/write"
        in (doc["azure"]["Actions"])
    )
