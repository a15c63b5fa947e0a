"""The pure side of ``run --step``: runbook sections by heading, the by-hand commands for the
sandbox and for Azure, and the human pauses set apart from the RTO."""

from __future__ import annotations

from drillkit.core.stepgates import STEPS, Pause, Where, hand_commands, pause_notes, runbook_section
from drillkit.spec.loader import load_drill
from tests.conftest import ROOT, US_OUTAGE

RUNBOOK = (ROOT / "runbooks" / "regional-failover.md").read_text()


def test_every_step_has_its_runbook_section() -> None:
    """Each gate's heading names a section of the shipped runbook, which stops at the next one."""
    for step in STEPS.values():
        section = runbook_section(RUNBOOK, step.heading)
        assert section is not None and section.startswith(f"### {step.heading}"), step.key
        assert section.count("###") == 1


def test_a_missing_heading_is_none() -> None:
    """A heading the runbook lacks yields None (the gate then falls back to "Run")."""
    assert runbook_section("# A\n\ntext\n", "Detected") is None


def test_sandbox_commands_name_the_twin() -> None:
    """For the sandbox: kubectl with the twin's kubeconfig and each context, dig at the twin's
    port with each vantage point's subnet, and the health path through each ingress."""
    drill = load_drill(US_OUTAGE)
    lines = hand_commands(
        drill, Where(kubeconfig="/k/kc", dns="127.0.0.1:5353", arm_url="https://127.0.0.1:9")
    )
    assert "kubectl --kubeconfig /k/kc --context sandbox-us get nodes  # us" in lines
    assert any(
        line.startswith("dig @127.0.0.1 -p 5353 myapp.trafficmanager.net +subnet=24.1.2.0/24")
        for line in lines
    )
    assert any("http://us.ingress.sandbox.test/healthz" in line for line in lines)
    assert not any(line.startswith("az ") for line in lines)


def test_azure_commands_use_the_real_names() -> None:
    """For Azure: az network traffic-manager endpoint show with the resource group, profile and
    each region's endpoint, and the subscription."""
    drill = load_drill(US_OUTAGE)
    lines = hand_commands(drill, Where(resource_group="rg-prod", subscription_id="sub-1"))
    az = [line for line in lines if line.startswith("az network traffic-manager endpoint show")]
    assert len(az) == 2
    assert all("-g rg-prod --profile-name myapp" in a and "--subscription sub-1" in a for a in az)


def test_pauses_are_set_apart_from_the_rto_and_the_run() -> None:
    """Each gate is a line; the summary counts the pauses inside the outage and says the RTO
    holds none of them, and gives the run's duration without them."""
    pauses = [Pause("inject", 10.0, 5.0, "continue"), Pause("detected", 30.0, 7.0, "continue")]
    notes = pause_notes(pauses, fault_at=15.0, rto_at=40.0, started_at=0.0, ended_at=100.0)
    assert notes[0] == "step gate inject: waited 5.0 s (continue)"
    assert "12.0 s of human pauses at 2 gate(s)" in notes[-1]
    assert "7.0 s of them fell inside the outage" in notes[-1]
    assert "the run took 100.0 s, 88.0 s without the pauses" in notes[-1]
