"""The process exit code is the command's, even when an engine thread outlives the command."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import atexit, sys, threading, time
    import drillkit.cli.main as entry

    entry._BACKGROUND_GRACE_S = 0.5
    atexit.register(lambda: print("finalized", flush=True))
    busy = float(sys.argv[1])

    def renew():  # stands in for a lock renewal stuck in its retries
        time.sleep(busy)

    threading.Thread(target=renew, name="drill-lock", daemon=True).start()
    entry.main(["validate", sys.argv[2]])
    """
)


def _run(busy_s: float, drill: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(busy_s), drill],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_thread_that_ends_within_the_grace_is_waited_for_and_the_exit_is_normal() -> None:
    """An engine thread that finishes within the grace is joined; the interpreter then
    finalizes as usual (atexit runs) with the command's exit code."""
    done = _run(0.1, "/nonexistent/drill.yaml")
    assert done.returncode == 2, done.stderr
    assert "finalized" in done.stdout


def test_a_thread_still_running_after_the_grace_is_left_behind_with_the_exit_code() -> None:
    """An engine thread still running after the grace is not allowed to take the process
    down at finalization: the process leaves with the command's exit code (2 here, a usage
    error), its output flushed, and without finalizing (atexit does not run)."""
    done = _run(3600, "/nonexistent/drill.yaml")
    assert done.returncode == 2, done.stderr
    assert "finalized" not in done.stdout
    assert "/nonexistent/drill.yaml" in done.stderr + done.stdout
