"""The two reference drills of DRILL-FORMAT.md validate as written and keep their meaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from drillkit.spec.loader import load_drill
from drillkit.spec.model import DrainFault, ScaleDownFault
from tests.conftest import AKS_EXAMPLE, DRILLS, US_OUTAGE

SHARED = Path(__file__).resolve().parents[3] / "shared" / "DRILL-FORMAT.md"


def test_us_outage_keeps_its_meaning() -> None:
    """The sandbox drill targets us, drains with onBlocked delete and expects eu everywhere."""
    drill = load_drill(US_OUTAGE)
    assert drill.target == "us"
    assert drill.survivors == ["eu"]
    assert isinstance(drill.fault, DrainFault)
    assert drill.fault.on_blocked == "delete"
    assert float(drill.fault.eviction_timeout) == 5.0
    assert float(drill.observe.poll_interval) == 0.25
    assert {v.name: v.expect_during_outage for v in drill.observe.vantage_points} == {
        "new-york": "eu",
        "paris": "eu",
    }
    assert float(drill.objectives.rto or 0) == 120.0
    assert drill.environment.sandbox is not None


def test_eu_outage_mirrors_us_outage() -> None:
    """The EU drill takes eu down and expects every vantage point on us."""
    drill = load_drill(DRILLS / "sandbox" / "eu-outage.yaml")
    assert drill.target == "eu"
    assert {v.expect_during_outage for v in drill.observe.vantage_points} == {"us"}


def test_aks_example_takes_its_values_from_the_environment() -> None:
    """The real-Azure example reads the subscription and defaults the resource group."""
    drill = load_drill(AKS_EXAMPLE, env={"AZURE_SUBSCRIPTION_ID": "sub-123"})
    assert drill.environment.azure is not None
    assert drill.environment.azure.subscription_id == "sub-123"
    assert drill.environment.azure.resource_group == "rg-global-dns"
    assert isinstance(drill.fault, ScaleDownFault)
    assert drill.fault.selector == "app.kubernetes.io/part-of=storefront"
    assert drill.regions["eastus"].cluster_server == (
        "https://aks-eastus-dns-1a2b3c.hcp.eastus.azmk8s.io:443"
    )
    assert drill.observe.nameservers == []  # discovered from the zone's NS records
    assert drill.environment.azure.tenant_id is None  # ${AZURE_TENANT_ID:-} unset
    assert drill.environment.azure.cloud == "AzureCloud"


def test_aks_example_signs_in_to_the_given_tenant() -> None:
    """With AZURE_TENANT_ID set, the example's tenantId is that tenant."""
    env = {"AZURE_SUBSCRIPTION_ID": "s", "AZURE_TENANT_ID": "contoso.onmicrosoft.com"}
    drill = load_drill(AKS_EXAMPLE, env=env)
    assert drill.environment.azure is not None
    assert drill.environment.azure.tenant_id == "contoso.onmicrosoft.com"


def test_shipped_files_match_the_format_document() -> None:
    """The shipped us-outage is DRILL-FORMAT.md's example verbatim; the aks example is too,
    but for the round-2 fields (tenantId, cloud, discovered name servers)."""
    if not SHARED.is_file():  # pragma: no cover - shared/ sits beside every checkout
        pytest.skip(f"{SHARED} is not beside this checkout")
    blocks = re.findall(r"```yaml\n(.*?)```", SHARED.read_text(encoding="utf-8"), re.S)
    assert US_OUTAGE.read_text(encoding="utf-8") == blocks[0]
    shipped = yaml.safe_load(AKS_EXAMPLE.read_text(encoding="utf-8"))
    documented = yaml.safe_load(blocks[1])
    assert shipped["observe"].pop("nameservers") == []
    documented["observe"].pop("nameservers")
    assert shipped["environment"]["azure"].pop("tenantId") == "${AZURE_TENANT_ID:-}"
    assert shipped["environment"]["azure"].pop("cloud") == "AzureCloud"
    assert shipped == documented
