"""The offline plan lists the lifecycle in order and what each vantage point should see."""

from __future__ import annotations

from drillkit.core.plan import build_plan, render_text
from drillkit.spec.loader import load_drill
from tests.conftest import AKS_EXAMPLE, US_OUTAGE

LIFECYCLE = [
    "preflight",
    "lock",
    "baseline",
    "snapshot",
    "inject",
    "observe",
    "restore",
    "failback",
    "verdict",
    "evidence",
    "unlock",
]


def test_steps_follow_the_lifecycle() -> None:
    """Steps come in the order of DESIGN.md, and only lock, inject, restore, unlock mutate."""
    plan = build_plan(load_drill(US_OUTAGE))
    assert [s.phase for s in plan.steps] == LIFECYCLE
    assert [s.phase for s in plan.steps if s.mutates] == ["lock", "inject", "restore", "unlock"]


def test_drain_plan_warns_about_budgets() -> None:
    """Draining a whole region notes that budgets will block and what onBlocked does."""
    plan = build_plan(load_drill(US_OUTAGE))
    assert plan.target == "us"
    assert plan.survivors == ("eu",)
    assert any("blocked pod is deleted" in note for note in plan.notes)
    text = render_text(plan)
    assert "new-york (24.1.2.0/24) must be answered by eu" in text
    assert "RTO <= 120s (real-world-equivalent)" in text


def test_scale_down_plan_names_selector_and_pins() -> None:
    """The AKS example plan shows the selector, the cluster pins and the nameservers' cadence."""
    plan = build_plan(load_drill(AKS_EXAMPLE, env={"AZURE_SUBSCRIPTION_ID": "s"}))
    assert plan.environment == "azure"
    data = plan.to_dict()
    assert data["fault"] == {
        "type": "scale-down",
        "namespace": "storefront",
        "selector": "app.kubernetes.io/part-of=storefront",
        "onRevert": "abort",
        "controllers": "refuse",
    }
    assert data["objectivesS"] == {"rto": 180.0, "failback": 300.0, "timeToDetect": None}
    text = render_text(plan)
    assert "pinned to https://aks-eastus-dns-1a2b3c.hcp.eastus.azmk8s.io:443" in text
    assert "namespace storefront, selector app.kubernetes.io/part-of=storefront" in text
