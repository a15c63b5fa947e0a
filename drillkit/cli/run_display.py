"""What ``drillkit run`` shows while it runs: a live rich timeline on a TTY, plain lines off one."""

from __future__ import annotations

import threading
from typing import Any, TextIO

import click

PHASES = (
    "preflight",
    "lock",
    "baseline",
    "snapshot",
    "inject",
    "observe",
    "restore",
    "failback",
    "unlock",
)


class Progress:
    """Turns runner events into lines: phase changes, DNS flips, status changes, restore checks."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.started: float | None = None
        self.lock = threading.Lock()
        self.regions: dict[str, str | None] = {}
        self.http: dict[str, bool | None] = {}
        self.statuses: dict[str, str] = {}
        self.phase = ""
        self.lines: list[str] = []
        self._out = out

    def _rel(self, at: float) -> str:
        if self.started is None:
            self.started = at
        return f"+{at - self.started:6.2f}s"

    def emit(self, line: str) -> None:
        self.lines.append(line)
        if self._out is not None:
            click.echo(line, file=self._out)

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        with self.lock:
            if kind == "phase":
                self.phase = data["phase"]
                self.emit(f"{self._rel(data['at'])}  phase {data['phase']}")
            elif kind == "obs":
                regions = data.get("regions") or {}
                for sample in data.get("vantage", []):
                    check = regions.get(sample["region"] or "")
                    self._vantage(sample, None if check is None else bool(check["ok"]))
            elif kind == "status":
                for endpoint, status in data.items():
                    if self.statuses.get(endpoint) != status:
                        self.statuses[endpoint] = status
            elif kind == "abort":
                self.emit(f"{'':9}  abort: {data['reason']}")
            elif kind == "restore":
                self.emit(f"{'':9}  restore {data['what']}: {data['outcome']}")

    def _vantage(self, sample: dict[str, Any], ok: bool | None) -> None:
        name = sample["name"]
        region = sample["region"]
        if name in self.regions and (self.regions[name], self.http.get(name)) == (region, ok):
            return
        before = self.regions.get(name, "-")
        self.regions[name], self.http[name] = region, ok
        http = "" if ok is None else (" HTTP ok" if ok else " HTTP failing")
        self.emit(
            f"{self._rel(sample['at'])}  {name}: DNS answers {region or 'nothing'}"
            f" (was {before or 'nothing'}){http}"
        )


class LiveProgress(Progress):
    """``Progress`` drawn as a rich Live table (phases, vantage points, recent events)."""

    def __init__(self) -> None:
        super().__init__(None)
        from rich.console import Console
        from rich.live import Live

        self._console = Console(stderr=False)
        self._live = Live(self._render(), console=self._console, refresh_per_second=8)

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        phases = Text("  ".join(
            f"[{p}]" if p == self.phase else p for p in PHASES
        ))  # fmt: skip
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
        events = Text("\n".join(self.lines[-10:]))
        return Group(phases, table, events)

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        super().__call__(kind, data)
        self._live.update(self._render())

    def __enter__(self) -> LiveProgress:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._live.__exit__(*exc)
