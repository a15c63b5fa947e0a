"""``drillkit sandbox up`` in a child process, so the twin never shares a GIL with the client
being measured."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import Any

DRILLKIT = [sys.executable, "-c", "from drillkit.cli.main import main; main()"]


class TwinProcess:
    """Starts the default world's twin; ``info`` is its world.json, ``ready_s`` its start-up."""

    def __init__(self, *extra: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="drillkit-bench-twin-")
        self.state = self._tmp.name
        self.extra = extra
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}
        self.ready_s = 0.0

    @property
    def kubeconfig(self) -> str:
        return str(self.info["kubeconfig"])

    def __enter__(self) -> TwinProcess:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [*DRILLKIT, "sandbox", "up", "--state-dir", self.state, *self.extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.ready_s = time.perf_counter() - started
        if not line.startswith("sandbox ready"):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the twin did not start: {line!r}")
        with open(f"{self.state}/world.json", encoding="utf-8") as f:
            self.info = json.load(f)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        self._tmp.cleanup()
