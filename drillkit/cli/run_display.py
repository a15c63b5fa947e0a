"""What ``drillkit run`` shows while it runs: a live rich timeline on a TTY, plain lines off one."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TextIO

import click

from drillkit.core.plan import Phase

if TYPE_CHECKING:
    from drillkit.core.timeline import RestoreCheck
    from drillkit.engine.records import Observation
    from drillkit.engine.samples import VantageSample


class Progress:
    """A ``RunListener`` that turns a run into lines: phase changes, DNS flips, aborts and
    restore checks."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.started: float | None = None
        self.lock = threading.Lock()
        self.regions: dict[str, str | None] = {}
        self.http: dict[str, bool | None] = {}
        self.phase_now: Phase | None = None
        self.lines: list[str] = []
        self._out = out
        self._shown = 0.0
        self.ask: tuple[str, ...] = ()
        """What a person must do when inject begins (a manual drill's instructions)."""

    def _rel(self, at: float) -> str:
        """Seconds since the first event, never less than the last shown: events reach the
        view from several threads, and a sample taken earlier may arrive after a phase."""
        if self.started is None:
            self.started = at
        self._shown = max(self._shown, at - self.started)
        return f"+{self._shown:6.2f}s"

    def emit(self, line: str) -> None:
        self.lines.append(line)
        if self._out is not None:
            click.echo(line, file=self._out)

    def changed(self) -> None:
        """Something to show changed (the live view redraws)."""

    def phase(self, phase: Phase, at: float) -> None:
        with self.lock:
            self.phase_now = phase
            self.emit(f"{self._rel(at)}  phase {phase.value}")
            if phase is Phase.INJECT:
                for line in self.ask:
                    self.emit(f"{'':9}  {line}")
        self.changed()

    def observed(self, observation: Observation) -> None:
        with self.lock:
            for sample in observation.vantage:
                check = observation.regions.get(sample.region or "")
                self._vantage(sample, None if check is None else check.ok)
        self.changed()

    def aborted(self, reason: str, interrupted: bool) -> None:
        with self.lock:
            self.emit(f"{'':9}  abort: {reason}")
        self.changed()

    def part(self, vantage: str, part: str, seconds: float, pm: float) -> None:
        from drillkit.core.rto_parts import PART_TITLES

        with self.lock:
            title = PART_TITLES.get(part, part)
            self.emit(f"{'':9}  {vantage}: {title} {seconds:.3f}s ± {pm:.3f}")
        self.changed()

    def restored(self, check: RestoreCheck) -> None:
        with self.lock:
            done = check.detail if check.outcome.value == "restored" and check.detail else ""
            self.emit(f"{'':9}  restore {check.what}: {done or check.outcome.value}")
        self.changed()

    def _vantage(self, sample: VantageSample, ok: bool | None) -> None:
        name, region = sample.name, sample.region
        if name in self.regions and (self.regions[name], self.http.get(name)) == (region, ok):
            return
        before = self.regions.get(name, "-")
        self.regions[name], self.http[name] = region, ok
        http = "" if ok is None else (" HTTP ok" if ok else " HTTP failing")
        self.emit(
            f"{self._rel(sample.at)}  {name}: DNS answers {region or 'nothing'}"
            f" (was {before or 'nothing'}){http}"
        )


class LiveProgress(Progress):
    """``Progress`` on a terminal: every event line printed above a live status (phases and
    vantage points), so the whole history stays in the scrollback."""

    def __init__(self, console: Any = None) -> None:
        super().__init__(None)
        from rich.console import Console
        from rich.live import Live

        self._console = console if console is not None else Console(stderr=False)
        self._live = Live(self._render(), console=self._console, refresh_per_second=8)

    def emit(self, line: str) -> None:
        super().emit(line)
        # Printed through the Live's console: above the live region, kept in the scrollback.
        self._live.console.print(line, markup=False, highlight=False)

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        phases = Text("  ".join(f"[{p}]" if p is self.phase_now else p.value for p in Phase))
        table = Table(expand=False)
        table.add_column("vantage point")
        table.add_column("answered by")
        table.add_column("HTTP")
        for name in self.regions or {"-": None}:
            ok = self.http.get(name)
            table.add_row(
                name,
                str(self.regions.get(name) or "-"),
                "-" if ok is None else ("ok" if ok else "failing"),
            )
        return Group(phases, table)

    def changed(self) -> None:
        self._live.update(self._render())

    def __enter__(self) -> LiveProgress:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._live.__exit__(*exc)
