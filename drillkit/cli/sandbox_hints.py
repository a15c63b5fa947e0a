"""Ready-to-paste commands for a running sandbox: kubectl per region, dig per geography, curl."""

from __future__ import annotations

import shlex
from typing import Any

from drillkit.sandbox.world import World


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
            lines.append(
                f"  dig @{dns['host']} -p {dns['port']} {fqdn} +subnet={entry.subnet} +short"
                f"    # as a client in {label}"
            )
    for name in world.regions:
        ingress = (info["regions"][name] or {}).get("ingress")
        if ingress and fqdn:
            port, address = ingress["port"], ingress["address"]
            lines.append(
                f"  curl -si --resolve {fqdn}:{port}:{address} http://{fqdn}:{port}/healthz"
                f"    # region {name}'s ingress"
            )
    lines.append("Stop with Ctrl-C (the kubeconfig is removed then).")
    return lines
