"""Step gates of ``drillkit run --step``: what each gate says, the by-hand commands that show
what drillkit sees, the runbook section for a step, and the human pauses in a report."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from drillkit.spec.model import Drill


@dataclass(frozen=True, slots=True)
class GateStep:
    """One gate: its key (journalled), its runbook heading, and what happens next."""

    key: str
    heading: str
    next: str


STEPS: dict[str, GateStep] = {
    s.key: s
    for s in (
        GateStep(
            "inject",
            "Before inject",
            "drillkit is about to cause the outage of the target region (the fault).",
        ),
        GateStep(
            "detected",
            "Detected",
            "Traffic Manager marked the target's endpoint Degraded; DNS should move next.",
        ),
        GateStep(
            "flipped",
            "Flipped",
            "A vantage point is now answered by the survivor; drillkit waits for all of them.",
        ),
        GateStep(
            "rto",
            "RTO reached",
            "Every vantage point is served by its survivor: the RTO is measured.",
        ),
        GateStep(
            "restore",
            "Before restore",
            "drillkit is about to put back everything it changed, from the journal.",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Where:
    """How the by-hand commands reach the drill's world (the sandbox's files, or Azure's names)."""

    kubeconfig: str | None = None
    dns: str | None = None
    """``host:port`` of the sandbox DNS twin."""
    arm_url: str | None = None
    resource_group: str | None = None
    subscription_id: str | None = None
    fqdn: str = ""


def _q(value: str) -> str:
    return shlex.quote(value)


def hand_commands(drill: Drill, where: Where) -> list[str]:
    """Commands to paste that show the nodes, workloads, DNS answers, endpoints and health."""
    kc = f"--kubeconfig {_q(where.kubeconfig)} " if where.kubeconfig else ""
    out: list[str] = []
    for name, region in drill.regions.items():
        ctx = f"{kc}--context {_q(region.kube_context)}"
        out.append(f"kubectl {ctx} get nodes  # {name}")
        namespace = getattr(drill.fault, "namespace", None)
        out.append(
            f"kubectl {ctx} get deploy -n {_q(namespace)}"
            if namespace
            else f"kubectl {ctx} get deploy -A"
        )
    fqdn = where.fqdn or f"{drill.traffic_manager.profile}.trafficmanager.net"
    servers = drill.observe.nameservers or ([where.dns] if where.dns else [])
    for vp in drill.observe.vantage_points:
        for server in servers or [""]:
            host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
            at = f"@{host or server} " if server else ""
            p = f"-p {port} " if port else ""
            out.append(
                f"dig {at}{p}{fqdn} +subnet={vp.client_subnet} +short"
                f"  # {vp.name}: expect {vp.expect_during_outage} during the outage"
            )
    profile = drill.traffic_manager.profile
    if where.arm_url:
        out.append(
            f"curl -s {_q(where.arm_url.rstrip('/'))}/subscriptions/<sub>/resourceGroups/<rg>/"
            f"providers/Microsoft.Network/trafficmanagerprofiles/{profile}?api-version=2022-04-01"
            "  # the twin's ARM: endpoints and their monitor status"
        )
    else:
        rg = where.resource_group or "<resource-group>"
        for name in drill.regions:
            out.append(
                f"az network traffic-manager endpoint show -g {_q(rg)} --profile-name "
                f"{_q(profile)} -t azureEndpoints -n {_q(name)} "
                "--query '{status:endpointStatus,monitor:endpointMonitorStatus}'"
                + (f" --subscription {_q(where.subscription_id)}" if where.subscription_id else "")
            )
    http = drill.observe.http
    if http is not None:
        for name, region in drill.regions.items():
            url = http.url or f"http://{region.ingress}{http.path or '/'}"
            host = f"-H 'Host: {fqdn}' " if http.url is None else ""
            out.append(f"curl -s -o /dev/null -w '%{{http_code}}\\n' {host}{_q(url)}  # {name}")
    return out


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def runbook_section(text: str, heading: str) -> str | None:
    """The runbook's section whose heading contains ``heading`` (case-insensitive), down to the
    next heading of the same or a higher level; None when no heading matches."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and heading.lower() in m.group(2).lower():
            level = len(m.group(1))
            end = len(lines)
            for j in range(i + 1, len(lines)):
                n = _HEADING.match(lines[j])
                if n and len(n.group(1)) <= level:
                    end = j
                    break
            return "\n".join(lines[i:end]).strip()
    return None


@dataclass(frozen=True, slots=True)
class Pause:
    """One gate's wait: when it started (epoch seconds), how long, and the answer."""

    step: str
    at: float
    waited_s: float
    answer: str


def pause_notes(
    pauses: list[Pause],
    fault_at: float | None,
    rto_at: float | None,
    started_at: float,
    ended_at: float,
) -> list[str]:
    """Evidence lines: each gate's wait, then the pauses set apart from the RTO and the run.

    The observer samples DNS and HTTP on its own thread through every gate, so the RTO (from the
    samples) holds no pause; the run's duration does."""
    notes = [f"step gate {p.step}: waited {p.waited_s:.1f} s ({p.answer})" for p in pauses]
    if not pauses:
        return notes
    total = sum(p.waited_s for p in pauses)
    line = f"stepped run: {total:.1f} s of human pauses at {len(pauses)} gate(s)"
    if fault_at is not None and rto_at is not None:
        inside = sum(p.waited_s for p in pauses if fault_at <= p.at < rto_at)
        line += (
            f"; {inside:.1f} s of them fell inside the outage, but the RTO "
            f"({rto_at - fault_at:.1f} s measured) counts none: drillkit kept sampling through "
            "every gate"
        )
    run = ended_at - started_at
    line += f"; the run took {run:.1f} s, {run - total:.1f} s without the pauses"
    return [*notes, line]
