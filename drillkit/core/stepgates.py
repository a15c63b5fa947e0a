"""Step gates of ``drillkit run --step``: what each gate says, the by-hand commands that show
what drillkit sees, the runbook section for a step, and the human pauses in a report."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from drillkit.core.design import DesignEndpoint, DesignProfile, leaves, region_of_answer
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


ARM_API_VERSION = "2022-04-01"


@dataclass(frozen=True, slots=True)
class Where:
    """How the by-hand commands reach the drill's world (the sandbox's files, or Azure's names)."""

    kubeconfig: str | None = None
    dns: str | None = None
    """``host:port`` of the sandbox DNS twin (when no name server list is known)."""
    nameservers: tuple[tuple[str, int], ...] = ()
    """The name servers drillkit asks (address, port): the drill's, discovered, or the twin's."""
    arm_url: str | None = None
    """The sandbox ARM twin's base URL (Azure: None, the commands use ``az``)."""
    arm_ca_file: str | None = None
    arm_token: str = ""
    """A shell expression for the sandbox ARM token (it reads world.json; no secret printed)."""
    resource_group: str | None = None
    subscription_id: str | None = None
    fqdn: str = ""
    ingress: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """The sandbox's ingress per region: its loopback address and port."""
    design: DesignProfile | None = None
    """The profile tree preflight read: the real profile, type and name of each endpoint."""


def _q(value: str) -> str:
    return shlex.quote(value)


def dig_command(address: str, port: int, fqdn: str, subnet: str) -> str:
    """``dig`` at one name server (its port unless 53) as a client in ``subnet`` (ECS)."""
    p = f" -p {port}" if port != 53 else ""
    return f"dig @{address}{p} {fqdn} +subnet={subnet} +short"


def health_curl(host: str, port: int, address: str, path: str) -> str:
    """``curl`` of ``host``'s ``path`` at a given address and port, resolved without DNS."""
    return f"curl -si --resolve {host}:{port}:{address} http://{host}:{port}{path}"


def arm_curl(arm_url: str, resource: str, ca_file: str | None, token: str) -> str:
    """``curl`` of one ARM resource of the sandbox's twin, with its CA and bearer token."""
    url = f"{arm_url.rstrip('/')}{resource}?api-version={ARM_API_VERSION}"
    ca = f"--cacert {_q(ca_file)} " if ca_file else ""
    return f'curl -s {ca}-H "Authorization: Bearer {token}" {_q(url)}'


def region_endpoints(
    drill: Drill, design: DesignProfile
) -> list[tuple[str, DesignProfile, DesignEndpoint]]:
    """Each region's endpoints anywhere in the profile tree: (region, profile, endpoint)."""
    ingresses = {name: r.targets for name, r in drill.regions.items()}
    found = []
    for profile, endpoint in leaves(design):
        region = region_of_answer([endpoint.target], ingresses)
        if region is not None:
            found.append((region, profile, endpoint))
    return sorted(found, key=lambda f: list(drill.regions).index(f[0]))


def _servers(drill: Drill, where: Where) -> list[tuple[str, int]]:
    if where.nameservers:
        return list(where.nameservers)
    written = list(drill.observe.nameservers) or ([where.dns] if where.dns else [])
    servers = []
    for entry in written:
        host, sep, port = entry.rpartition(":")
        if sep and port.isdigit() and host.count(":") == 0:
            servers.append((host, int(port)))
        else:
            servers.append((entry.strip("[]"), 53))
    return servers


def _kind(endpoint: DesignEndpoint) -> str:
    """ARM's endpoint type as az and ARM paths spell it (``externalEndpoints``)."""
    return endpoint.type[:1].lower() + endpoint.type[1:]


def _traffic_manager(drill: Drill, where: Where) -> list[str]:
    sub = where.subscription_id or "<subscription>"
    rg = where.resource_group or "<resource-group>"
    found = region_endpoints(drill, where.design) if where.design is not None else []
    query = "--query '{status:endpointStatus,monitor:endpointMonitorStatus}'"
    out: list[str] = []
    if where.arm_url:
        for region, profile, endpoint in found:
            resource = (
                f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/"
                f"trafficmanagerprofiles/{profile.name}/{_kind(endpoint)}/{endpoint.name}"
            )
            line = arm_curl(where.arm_url, resource, where.arm_ca_file, where.arm_token)
            out.append(f"{line}  # {region}: endpoint {profile.name}/{endpoint.name}")
        return out
    subscription = f" --subscription {_q(where.subscription_id)}" if where.subscription_id else ""
    for region, profile, endpoint in found:
        out.append(
            f"az network traffic-manager endpoint show -g {_q(rg)} --profile-name "
            f"{_q(profile.name)} -t {_kind(endpoint)} -n {_q(endpoint.name)} {query}{subscription}"
            f"  # {region}"
        )
    if not found:  # the design could not be read: list the top profile's endpoints
        out.append(
            f"az network traffic-manager endpoint list -g {_q(rg)} --profile-name "
            f"{_q(drill.traffic_manager.profile)} -o table{subscription}"
        )
    return out


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
    servers = _servers(drill, where)
    for vp in drill.observe.vantage_points:
        for address, port in servers:
            out.append(
                f"{dig_command(address, port, fqdn, vp.client_subnet)}"
                f"  # {vp.name}: expect {vp.expect_during_outage} during the outage"
            )
    out += _traffic_manager(drill, where)
    http = drill.observe.http
    if http is not None:
        for name, region in drill.regions.items():
            if http.url is None and name in where.ingress:
                address, port = where.ingress[name]
                line = health_curl(fqdn, port, address, http.path or "/")
                out.append(f"{line}  # {name}'s ingress")
                continue
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
