"""The ``drillkit`` entry point: a click group that imports each command only when it runs.

Keeping this module light is what makes ``drillkit --help`` fast: it imports click and nothing
else; each command's module (and through it pydantic, kubernetes, azure, ...) is imported only
when that command is invoked.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from drillkit import __version__

# name -> (module, attribute, one-line help shown by ``drillkit --help``)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "drillkit.cli.spec_commands",
        "validate",
        "Check drill files; report every problem.",
    ),
    "schema": ("drillkit.cli.spec_commands", "schema", "Print the JSON Schema of the drill file."),
    "plan": ("drillkit.cli.plan_command", "plan", "Show what a drill would do, offline."),
    "sandbox": ("drillkit.cli.sandbox_commands", "sandbox", "Run the offline two-region twin."),
    "run": ("drillkit.cli.run_commands", "run", "Run a failover drill, restore, write evidence."),
    "restore": ("drillkit.cli.run_commands", "restore", "Put back what a run changed (journal)."),
    "report": ("drillkit.cli.run_commands", "report", "Re-render evidence from a journal."),
    "rbac": ("drillkit.cli.rbac_command", "rbac", "Print the least-privilege RBAC for a drill."),
    "history": ("drillkit.cli.history_command", "history", "Runs, RTO trends and regressions."),
    "verify": ("drillkit.cli.verify_command", "verify", "Check the evidence chain and signatures."),
}


def _import_structlog_without_rich() -> None:
    """Import structlog with rich hidden (issue #17, read-only commands are quick).

    structlog imports rich when it is installed, for pretty tracebacks and locals: about 0.1 s
    of CPU, a fifth of ``import kubernetes``, that a read-only command never uses. Hidden, its
    console renderer prints plain tracebacks; rich itself stays importable for the live view."""
    if "structlog" in sys.modules or "rich" in sys.modules:
        return
    sys.modules["rich"] = None  # type: ignore[assignment]  # makes `import rich` fail
    try:
        import structlog  # noqa: F401
    finally:
        del sys.modules["rich"]


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        _import_structlog_without_rich()
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a ``DrillkitError`` becomes its message and its exit code. With
        ``--output json``, stdout carries exactly one JSON document whatever the exit code."""
        from drillkit.errors import DrillDefinitionError, DrillkitError

        wants_json = _wants_json([*getattr(ctx, "_protected_args", ()), *ctx.args])
        try:
            return super().invoke(ctx)
        except DrillDefinitionError as e:
            for problem in e.problems:
                click.echo(str(problem), err=True)
            _json_fallback(ctx, wants_json, int(e.exit_code), str(e))
            ctx.exit(int(e.exit_code))
        except DrillkitError as e:
            click.echo(f"drillkit: {e}", err=True)
            _json_fallback(ctx, wants_json, int(e.exit_code), str(e))
            ctx.exit(int(e.exit_code))
        except click.UsageError as e:
            if not wants_json:
                raise
            e.show()
            _json_fallback(ctx, wants_json, e.exit_code, e.format_message())
            ctx.exit(e.exit_code)
        except click.exceptions.Exit as e:
            _json_fallback(ctx, wants_json, e.exit_code, "")
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="drillkit")
@click.option(
    "--log-format",
    type=click.Choice(["auto", "json", "console"]),
    default="auto",
    show_default=True,
    envvar="DRILLKIT_LOG_FORMAT",
    help="Log lines on stderr: JSON lines, readable console, or auto (console on a TTY).",
)
@click.option("-v", "--verbose", count=True, help="More log detail (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, log_format: str, verbose: int) -> None:
    """Multi-region failover game days for Kubernetes behind Azure Traffic Manager.

    Take one region down on purpose, watch Traffic Manager and DNS move every geography to the
    survivor, measure how long each step took, put everything back, and keep the evidence.
    """
    from drillkit.cli.logsetup import configure_logging
    from drillkit.cli.wiring import Wiring

    configure_logging(log_format, verbose)
    ctx.ensure_object(Wiring)  # tests pass their own (obj=...) to run commands on fakes


JSON_PRINTED = "drillkit.json_printed"
"""``ctx.meta`` key a command sets once it printed its JSON document."""
_VERDICTS = {2: "usage", 3: "refused"}


def _wants_json(args: list[str]) -> bool:
    pairs = zip(args, [*args[1:], ""], strict=True)
    return "--output=json" in args or any(a == "--output" and b == "json" for a, b in pairs)


def _json_fallback(ctx: click.Context, wants_json: bool, code: int, message: str) -> None:
    """The one JSON document of a command that ended before printing its own."""
    if not wants_json or ctx.meta.get(JSON_PRINTED):
        return
    import json

    name = ctx.invoked_subcommand or ""
    document: dict[str, Any] = {"command": name, "exitCode": code}
    if code in _VERDICTS:
        document["verdict"] = _VERDICTS[code]
    if message:
        document["error"] = message
    click.echo(json.dumps(document, indent=2))
    ctx.meta[JSON_PRINTED] = True


_BACKGROUND = frozenset(
    {"drill-lock", "drillkit-hold", "drill-observe", "drill-canary", "drillkit-alert-watch",
     "drillkit-notice"}
)  # fmt: skip
"""The engine's own daemon threads: lock renewal, fault hold, observer, canaries, alert watch,
a notice sent in the background (a manual drill's page)."""
_BACKGROUND_GRACE_S = 30.0


def _leave_past_background_threads(code: object) -> None:
    """Exit without interpreter finalization if an engine thread outlives the command.

    A daemon thread still inside an API call with retries (a lock renewal during a 503 storm
    outlives ``release``'s 5 s join) is still running when the interpreter finalizes. A chaos
    drill under 60 % API faults ended that way with SIGABRT (exit -6) and no message, after its
    verdict was printed: the exit code was lost. (The likeliest mechanism: CPython 3.11 ends a
    daemon thread that wakes during finalization with ``pthread_exit``, and glibc aborts when the
    forced unwind cannot pass a C frame.) The threads get ``_BACKGROUND_GRACE_S`` (the adapters'
    retry deadline) to finish; if one is still running after that, the process leaves through
    ``os._exit`` with the command's own exit code, once stdout and stderr are flushed (the
    journal is fsynced per record and the evidence is written; nothing else is pending).
    """
    import contextlib
    import os
    import threading
    import time

    deadline = time.monotonic() + _BACKGROUND_GRACE_S
    lingering = [
        t for t in threading.enumerate()
        if t.daemon and t.is_alive() and t.name in _BACKGROUND
    ]  # fmt: skip
    for thread in lingering:
        thread.join(max(deadline - time.monotonic(), 0.0))
    if any(t.is_alive() for t in lingering):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    try:
        return cli.main(args=argv, prog_name="drillkit")
    except SystemExit as done:
        _leave_past_background_threads(done.code)
        raise
