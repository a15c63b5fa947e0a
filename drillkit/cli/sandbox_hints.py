"""Ready-to-paste commands for a running sandbox: kubectl per region, dig per geography, curl."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from drillkit.core.stepgates import arm_curl, dig_command, health_curl
from drillkit.sandbox.world import World


def arm_token(info: dict[str, Any]) -> str:
    """A shell expression that reads the ARM twin's token from world.json (never printed)."""
    path = shlex.quote(str(Path(str(info.get("stateDir") or ".")) / "world.json"))
    return (
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))"
        f'["trafficManager"]["token"])\' {path})'
    )


def ready_lines(world: World, info: dict[str, Any], ready: str) -> list[str]:
    """What ``sandbox up`` prints once the twin serves: the ``ready`` line (kept first and
    unchanged for scripts that wait for it), then ready-to-paste commands."""
    kubeconfig = str(info["kubeconfig"])
    lines = [ready, "Try it:", f"  export KUBECONFIG={shlex.quote(kubeconfig)}"]
    for name, region in world.regions.items():
        context = info["regions"][name]["kubeContext"]
        namespace = region.serving[0].namespace if region.serving else "default"
        lines.append(f"  kubectl --context {context} get nodes")
        lines.append(f"  kubectl --context {context} -n {namespace} get pods")
    dns = info.get("dns") or {}
    fqdn = dns.get("fqdn")
    if fqdn and dns.get("port"):
        for entry in world.geography:
            label = entry.name or entry.state or entry.country
            dig = dig_command(dns["host"], int(dns["port"]), fqdn, entry.subnet)
            lines.append(f"  {dig}    # as a client in {label}")
    for name in world.regions:
        ingress = (info["regions"][name] or {}).get("ingress")
        if ingress and fqdn:
            port, address = ingress["port"], ingress["address"]
            curl = health_curl(fqdn, int(port), address, "/healthz")
            lines.append(f"  {curl}    # region {name}'s ingress")
    tm = info.get("trafficManager") or {}
    if tm.get("armUrl") and tm.get("profile"):
        resource = (
            f"/subscriptions/{tm['subscriptionId']}/resourceGroups/{tm['resourceGroup']}"
            f"/providers/Microsoft.Network/trafficmanagerprofiles/{tm['profile']}"
        )
        arm = arm_curl(tm["armUrl"], resource, tm.get("caFile"), arm_token(info))
        lines.append(f"  {arm}    # the ARM twin: the profile, its endpoints and their status")
    lines.append("Stop with Ctrl-C (the kubeconfig is removed then).")
    return lines
