"""The one exception tree of drillkit.

    DrillkitError                      every error a user can meet; carries an exit code
    ├── DrillDefinitionError           the drill file (or world file) is invalid; nothing touched
    ├── PreflightRefused               a precondition failed before any mutation; nothing changed
    ├── AdapterError                   an I/O border (Kubernetes, ARM, DNS, HTTP) failed
    │   ├── TransientAdapterError      worth retrying (429, 5xx, timeouts, connection resets)
    │   └── PermanentAdapterError      retrying will not help (403, 404, 400, bad credentials)
    ├── DrillAborted                   the drill stopped early and the world was restored
    │   └── DrillInterrupted           ... because of SIGINT or SIGTERM
    ├── RestoreIncomplete              something could not be put back; a human must act
    └── JournalWriteError              a journal record could not be made durable

Messages say what happened, what was (not) changed, and what to do next, in plain words.
Exceptions from SDKs are caught only in ``drillkit.adapters`` and re-raised from this tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from drillkit.exitcodes import ExitCode

__all__ = [
    "AdapterError",
    "DrillAborted",
    "DrillDefinitionError",
    "DrillInterrupted",
    "DrillkitError",
    "JournalWriteError",
    "PermanentAdapterError",
    "PreflightRefused",
    "Problem",
    "RestoreIncomplete",
    "TransientAdapterError",
]


class DrillkitError(Exception):
    """Base of every error drillkit reports to a user."""

    exit_code: ExitCode = ExitCode.USAGE


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a file: ``FILE:LINE:COL: message`` (line and column are 1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class DrillDefinitionError(DrillkitError):
    """A drill (or world) file is invalid. It carries every problem found, each located."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PreflightRefused(DrillkitError):
    """A precondition failed before the first mutation: nothing was changed."""

    exit_code = ExitCode.PREFLIGHT_REFUSED


class AdapterError(DrillkitError):
    """An I/O border failed; ``status`` is the remote status code when there was one."""

    exit_code = ExitCode.ABORTED

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class TransientAdapterError(AdapterError):
    """Worth retrying: rate limits, server errors, timeouts. ``retry_after`` is in seconds."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status)


class PermanentAdapterError(AdapterError):
    """Retrying will not help: forbidden, not found, invalid request, bad credentials."""


class DrillAborted(DrillkitError):
    """The drill stopped early and the world was put back as it was."""

    exit_code = ExitCode.ABORTED


class DrillInterrupted(DrillAborted):
    """SIGINT or SIGTERM stopped the drill and the world was put back as it was."""

    exit_code = ExitCode.INTERRUPTED


class RestoreIncomplete(DrillkitError):
    """Something could not be put back. ``leftovers`` says exactly what a human must fix."""

    exit_code = ExitCode.RESTORE_INCOMPLETE

    def __init__(self, message: str, leftovers: list[str] | None = None) -> None:
        self.leftovers = leftovers or []
        super().__init__(message)


class JournalWriteError(DrillkitError):
    """A journal record could not be made durable (disk full, read-only, I/O error).

    The change the record announces is not made; after a change, restore still runs (from the
    records in memory) and the run says exactly what its journal lacks."""

    exit_code = ExitCode.ABORTED
