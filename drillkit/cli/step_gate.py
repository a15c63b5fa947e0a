"""The terminal side of ``drillkit run --step``: print the step and its by-hand commands, then
wait for Enter (continue), ``a`` (abort and restore) or ``?`` (the runbook section)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from drillkit.adapters.bundle import Connections
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
        info = conns.info
        self.commands = hand_commands(
            drill,
            Where(
                kubeconfig=info.kubeconfig,
                dns=info.dns,
                arm_url=info.arm_url,
                resource_group=info.resource_group,
                subscription_id=info.subscription_id,
                fqdn=conns.fqdn,
            ),
        )
        self.read = read or input
        self.out = out
        self.explain = explain or {}

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
