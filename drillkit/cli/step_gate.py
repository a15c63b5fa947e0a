"""The terminal side of ``drillkit run --step``: print the step and its by-hand commands, then
wait for Enter (continue), ``a`` (abort and restore) or ``?`` (the runbook section)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import click

from drillkit.adapters.bundle import Connections
from drillkit.core.design import DesignProfile
from drillkit.core.faults import describe
from drillkit.core.stepgates import STEPS, Where, hand_commands, runbook_section
from drillkit.spec.model import Drill

PROMPT = "[Enter] continue   [a] abort and restore   [?] runbook section > "


class TerminalGate:
    """A step gate on the controlling terminal; ``explain`` adds plain words (the tour)."""

    def __init__(
        self,
        drill: Drill,
        drill_path: Path,
        conns: Connections,
        *,
        read: Callable[[str], str] | None = None,
        out: TextIO | None = None,
        explain: dict[str, str] | None = None,
    ) -> None:
        self.drill = drill
        self.runbook = (
            drill_path.parent / drill.metadata.runbook if drill.metadata.runbook else None
        )
        self.conns = conns
        self.design: DesignProfile | None = None
        """The profile tree preflight read (``learn``): the endpoints' real names."""
        self._commands: list[str] | None = None
        self.read = read or input
        self.out = out
        self.explain = explain or {}

    def learn(self, design: DesignProfile | None) -> None:
        """Take the design preflight read; the commands are built from it at the first gate."""
        self.design = design
        self._commands = None

    @property
    def commands(self) -> list[str]:
        if self._commands is None:
            self._commands = hand_commands(self.drill, where_of(self.conns, self.design))
        return self._commands

    def _echo(self, text: str = "") -> None:
        click.echo(text, file=self.out)

    def _section(self, heading: str) -> str:
        if self.runbook is None:
            return "this drill names no runbook (metadata.runbook)"
        try:
            text = self.runbook.read_text(encoding="utf-8")
        except OSError as e:
            return f"cannot read the runbook {self.runbook}: {e.strerror}"
        found = runbook_section(text, heading) or runbook_section(text, "Run")
        return found or f"the runbook {self.runbook} has no section {heading!r}"

    def __call__(self, key: str) -> bool:
        step = STEPS[key]
        self._echo()
        self._echo(f"=== step gate: {step.heading} ===")
        if key in self.explain:
            self._echo(self.explain[key])
        ask = describe(self.drill).ask if key == "inject" else ()
        self._echo(f"Next: {describe(self.drill).inject_summary if ask else step.next}")
        for line in ask:
            self._echo(f"  {line}")
        if ask:  # acting before Enter would be timed from Enter, not from the act
            self._echo("  Press Enter first: the page is shown and the watch begins; then act.")
        self._echo("See what drillkit sees, by hand:")
        for line in self.commands:
            self._echo(f"  {line}")
        while True:
            try:
                answer = self.read(PROMPT).strip().lower()
            except EOFError:
                answer = "a"
            if answer in ("", "c"):
                return True
            if answer == "a":
                self._echo("aborting: drillkit restores what it changed")
                return False
            if answer == "?":
                self._echo(self._section(step.heading))
            else:
                self._echo("type Enter, a or ?")


def where_of(conns: Connections, design: DesignProfile | None) -> Where:
    """Where the by-hand commands reach: the name servers drillkit asks, and for the sandbox the
    ARM twin's scope, CA and token and each region's ingress (from its world.json)."""
    from drillkit.adapters.dns import EcsResolver

    info = conns.info
    resolver = conns.resolver
    servers = (
        tuple((ns.address, ns.port) for ns in resolver.servers)
        if isinstance(resolver, EcsResolver)
        else ()
    )
    where = Where(
        kubeconfig=info.kubeconfig,
        dns=info.dns,
        nameservers=servers,
        arm_url=info.arm_url,
        resource_group=info.resource_group,
        subscription_id=info.subscription_id,
        fqdn=conns.fqdn,
        design=design,
    )
    world = _world_json(info.state_dir) if info.environment == "sandbox" else {}
    if not world:
        return where
    from drillkit.cli.sandbox_hints import arm_token

    tm = world.get("trafficManager") or {}
    ingress = {
        name: (str(r["ingress"]["address"]), int(r["ingress"]["port"]))
        for name, r in (world.get("regions") or {}).items()
        if isinstance(r, dict) and isinstance(r.get("ingress"), dict)
    }
    return replace(
        where,
        arm_ca_file=tm.get("caFile"),
        arm_token=arm_token(world),
        resource_group=tm.get("resourceGroup") or where.resource_group,
        subscription_id=tm.get("subscriptionId") or where.subscription_id,
        ingress=ingress,
    )


def _world_json(state_dir: str | None) -> dict[str, Any]:
    if not state_dir:
        return {}
    from drillkit.adapters.connect import read_world_info
    from drillkit.errors import DrillkitError

    try:
        return read_world_info(Path(state_dir))
    except DrillkitError:
        return {}
