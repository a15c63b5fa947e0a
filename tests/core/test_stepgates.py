"""The pure side of ``run --step``: runbook sections by heading, the by-hand commands for the
sandbox and for Azure, and the human pauses set apart from the RTO."""

from __future__ import annotations

from drillkit.core.design import DesignEndpoint, DesignProfile, Monitor
from drillkit.core.stepgates import STEPS, Pause, Where, hand_commands, pause_notes, runbook_section
from drillkit.sandbox.world import load_world
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


def _shipped_design() -> DesignProfile:
    """The shipped sandbox world's profile tree, as preflight's design read returns it."""
    tm = load_world(US_OUTAGE.parent / "world.yaml").traffic_manager
    profiles = {p.name: p for p in tm.profiles}

    def build(name: str) -> DesignProfile:
        endpoints = tuple(
            DesignEndpoint(
                e.name,
                e.type,
                e.target,
                child=build(e.target) if e.type == "NestedEndpoints" else None,
            )
            for e in profiles[name].endpoints
        )
        return DesignProfile(
            name, profiles[name].routing_method, 30, Monitor(), endpoints=endpoints
        )

    return build("myapp")


SANDBOX = Where(
    kubeconfig="/k/kc",
    dns="127.0.0.1:5353",
    nameservers=(("127.0.0.1", 5353), ("127.0.0.10", 5353)),
    arm_url="https://127.0.0.1:9",
    arm_ca_file="/s/tm-ca.pem",
    arm_token="$(token)",
    resource_group="rg-sandbox",
    subscription_id="00000000-0000-0000-0000-000000000000",
    fqdn="myapp.tm.sandbox.test",
    ingress={"us": ("127.0.0.2", 8080), "eu": ("127.0.0.3", 8080)},
    design=_shipped_design(),
)


def test_sandbox_commands_name_the_twin() -> None:
    """For the sandbox: kubectl with the twin's kubeconfig and each context, dig at each of the
    twin's name servers and its port with each vantage point's subnet, and the health path at
    each region's ingress address and port."""
    lines = hand_commands(load_drill(US_OUTAGE), SANDBOX)
    assert "kubectl --kubeconfig /k/kc --context sandbox-us get nodes  # us" in lines
    digs = [line for line in lines if line.startswith("dig ")]
    assert digs[:2] == [
        f"dig @{ns} -p 5353 myapp.tm.sandbox.test +subnet=24.1.2.0/24 +short"
        "  # new-york: expect eu during the outage"
        for ns in ("127.0.0.1", "127.0.0.10")
    ]
    assert len(digs) == 4
    assert (
        "curl -si --resolve myapp.tm.sandbox.test:8080:127.0.0.2 "
        "http://myapp.tm.sandbox.test:8080/healthz  # us's ingress"
    ) in lines
    assert not any(line.startswith("az ") for line in lines)


def test_sandbox_arm_curl_is_ready_to_paste() -> None:
    """The ARM twin's curl names the subscription, resource group and each real endpoint of
    the shipped world (myapp-na/externalEndpoints/us), with the CA file and bearer token."""
    lines = hand_commands(load_drill(US_OUTAGE), SANDBOX)
    arm = [line for line in lines if "api-version=" in line]
    assert "<" not in " ".join(arm)
    us = [line for line in arm if line.endswith("# us: endpoint myapp-na/us")]
    assert us == [
        'curl -s --cacert /s/tm-ca.pem -H "Authorization: Bearer $(token)" '
        "'https://127.0.0.1:9/subscriptions/00000000-0000-0000-0000-000000000000/"
        "resourceGroups/rg-sandbox/providers/Microsoft.Network/trafficmanagerprofiles/myapp-na/"
        "externalEndpoints/us?api-version=2022-04-01'  # us: endpoint myapp-na/us"
    ]
    assert len(arm) == 4  # us and eu, in both child profiles


def test_azure_commands_use_the_real_names() -> None:
    """For Azure: az network traffic-manager endpoint show with the resource group, and each
    region's real profile, endpoint type and endpoint name from the design preflight read
    (the shipped world: myapp-na / externalEndpoints / us), and the subscription."""
    # https://learn.microsoft.com/cli/azure/network/traffic-manager/endpoint :
    # "--type {azureEndpoints, externalEndpoints, nestedEndpoints}"
    drill = load_drill(US_OUTAGE)
    where = Where(resource_group="rg-prod", subscription_id="sub-1", design=_shipped_design())
    lines = hand_commands(drill, where)
    az = [line for line in lines if line.startswith("az network traffic-manager endpoint show")]
    assert len(az) == 4
    assert all("-g rg-prod" in a and "--subscription sub-1" in a for a in az)
    assert az[0] == (
        "az network traffic-manager endpoint show -g rg-prod --profile-name myapp-na "
        "-t externalEndpoints -n us --query '{status:endpointStatus,monitor:endpointMonitorStatus}'"
        " --subscription sub-1  # us"
    )
    assert not any("eastus" in a or "azureEndpoints" in a for a in az)


def test_azure_commands_without_a_design_guess_no_names() -> None:
    """Without the design (it could not be read), az lists the profile's endpoints rather than
    guessing endpoint names from region names."""
    lines = hand_commands(load_drill(US_OUTAGE), Where(resource_group="rg-prod"))
    az = [line for line in lines if line.startswith("az ")]
    assert az == [
        "az network traffic-manager endpoint list -g rg-prod --profile-name myapp -o table"
    ]


def test_dig_asks_the_drills_name_servers() -> None:
    """dig asks the drill's observe.nameservers (port 53 unless written), not the local
    resolver."""
    drill = load_drill(US_OUTAGE)
    drill = drill.model_copy(
        update={
            "observe": drill.observe.model_copy(
                update={"nameservers": ["ns1-01.azure-dns.com", "10.0.0.5:5300"]}
            )
        }
    )
    digs = [line for line in hand_commands(drill, Where()) if line.startswith("dig ")]
    assert digs[0].startswith("dig @ns1-01.azure-dns.com myapp.trafficmanager.net +subnet=")
    assert digs[1].startswith("dig @10.0.0.5 -p 5300 myapp.trafficmanager.net +subnet=")
    assert all(line.startswith("dig @") for line in digs)


def test_pauses_are_set_apart_from_the_rto_and_the_run() -> None:
    """Each gate is a line; the summary counts the pauses inside the outage and says the RTO
    holds none of them, and gives the run's duration without them."""
    pauses = [Pause("inject", 10.0, 5.0, "continue"), Pause("detected", 30.0, 7.0, "continue")]
    notes = pause_notes(pauses, fault_at=15.0, rto_at=40.0, started_at=0.0, ended_at=100.0)
    assert notes[0] == "step gate inject: waited 5.0 s (continue)"
    assert "12.0 s of human pauses at 2 gate(s)" in notes[-1]
    assert "7.0 s of them fell inside the outage" in notes[-1]
    assert "the run took 100.0 s, 88.0 s without the pauses" in notes[-1]
