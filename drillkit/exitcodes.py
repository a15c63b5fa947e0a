"""Process exit codes: one IntEnum, the same table as the README."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a drillkit process tells its caller (a shell, a pipeline, a CronJob)."""

    PASS = 0
    """The drill passed, or the command succeeded."""
    OBJECTIVE_MISSED = 1
    """The drill ran and restored, but an objective (RTO, failback, ...) was missed."""
    USAGE = 2
    """Bad usage or an invalid drill file; nothing was touched."""
    PREFLIGHT_REFUSED = 3
    """A precondition failed before any change; nothing was changed."""
    ABORTED = 4
    """The drill aborted (survivor unhealthy, max duration, API failure) and was restored."""
    RESTORE_INCOMPLETE = 5
    """Something could not be put back; a human must act (the message says what)."""
    INTERRUPTED = 130
    """Interrupted by SIGINT or SIGTERM, and restored."""
