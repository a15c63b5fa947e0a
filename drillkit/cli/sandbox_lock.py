"""One running sandbox per state directory: an exclusive lock file that holds the owner's PID."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_NAME = "sandbox.lock"


class StateDirBusy(Exception):
    """Another process holds the state directory."""


class StateDirLock:
    """An exclusive ``flock`` on ``<state dir>/sandbox.lock``; the kernel drops it if we die."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    def __enter__(self) -> StateDirLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def release(self) -> None:
        """Empty the PID and let go; safe to call twice."""
        if self._fd < 0:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = -1


def lock_state_dir(state_dir: Path) -> StateDirLock:
    """Take the state directory for this process, or raise ``StateDirBusy`` naming the owner."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise StateDirBusy(
            f"sandbox state dir {state_dir} is in use by a running sandbox (PID {owner}); "
            f"stop it (kill -INT {owner}) or pass another --state-dir. Nothing was started."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return StateDirLock(path, fd)
