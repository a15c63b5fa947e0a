"""Run drillkit's CLI in this process and SIGKILL it right after a chosen journal record.

``python -m tests.crash.killer KIND[:FIELD=VALUE] N DRILLKIT-ARGS...`` wraps
``Journal.append`` so that once the Nth record of KIND (whose FIELD equals VALUE, if given)
has been written and fsynced, the process kills itself: the journal ends exactly there.
No engine code changes; the wrapper only observes appends.

N = 0 never kills. ``KILLER_ACT`` replaces the SIGKILL at the point: ``garbage`` / ``torn``
write a garbage fragment or a torn record into the journal and carry on; ``enospc`` makes every
journal write fail with ENOSPC from then on (the journal's own file seam); ``signal`` sends
``KILLER_SIGNAL`` (SIGTERM or SIGINT) ``KILLER_SIGNAL_COUNT`` times (default 1). With
``KILLER_BLACKOUT_AFTER=KIND[:FIELD=VALUE]`` and ``KILLER_BLACKOUT_S``, the first such record
blacks out the twin's Kubernetes APIs and ARM for that many seconds (they come back on their
own) and writes the start time (epoch seconds) to ``KILLER_BLACKOUT_LOG``.
``KILLER_BLACKOUT_TARGET`` blacks out one component instead: an admin fault target such as
``kube:us``, ``kube:eu``, ``arm`` or ``dns:tm1`` (drillkit/sandbox/tm/admin.py).

With ``KILLER_FAULTS_AFTER=KIND[:FIELD=VALUE]`` and ``KILLER_ADMIN_URL`` set,
the first such record also turns the sandbox twin's fault knobs (``KILLER_FAULT_RATE``, default
1.0, and ``KILLER_FAULT_LATENCY_MS``) through its admin endpoint, so that faults begin at a known
moment of the drill.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import threading
import time
import urllib.request

from drillkit.engine.records import R, Record


def parse_point(text: str) -> tuple[str, dict[str, str]]:
    """``phase:phase=observe`` -> (``phase``, {``phase``: ``observe``})."""
    kind, _, condition = text.partition(":")
    match: dict[str, str] = {}
    if condition:
        field, _, value = condition.partition("=")
        match[field] = value
    return kind, match


def matches(record: Record, kind: str, match: dict[str, str]) -> bool:
    """The record is of ``kind`` and each named field's text equals the wanted value."""
    return record.kind == kind and all(str(getattr(record, k, None)) == v for k, v in match.items())


def turn_faults_on(admin_url: str) -> None:
    """Kube and ARM requests of the twin fail at KILLER_FAULT_RATE from now on."""
    rate = float(os.environ.get("KILLER_FAULT_RATE", "1.0"))
    latency = float(os.environ.get("KILLER_FAULT_LATENCY_MS", "0"))
    body = json.dumps({"rate": rate, "latencyMs": latency}).encode()
    request = urllib.request.Request(admin_url + "/faults", body, method="POST")
    request.add_header("Authorization", f"Bearer {os.environ.get('KILLER_ADMIN_TOKEN', '')}")
    with urllib.request.urlopen(request, timeout=10):
        pass


def _admin_post(admin_url: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(
        admin_url + "/faults", json.dumps(body).encode(), method="POST"
    )
    request.add_header("Authorization", f"Bearer {os.environ.get('KILLER_ADMIN_TOKEN', '')}")
    with urllib.request.urlopen(request, timeout=10):
        pass


def blackout_body(seconds: float, target: str) -> dict[str, object]:
    """The admin POST that blacks out ``target`` (every kube twin and ARM when empty)."""
    body: dict[str, object] = {"blackout": True, "duration": seconds}
    if target:
        body["target"] = target
    return body


def black_out(admin_url: str) -> None:
    """KILLER_BLACKOUT_TARGET (every kube twin and ARM when unset) refuses every request for
    KILLER_BLACKOUT_S seconds."""
    seconds = float(os.environ["KILLER_BLACKOUT_S"])
    target = os.environ.get("KILLER_BLACKOUT_TARGET", "")
    started = time.time()
    _admin_post(admin_url, blackout_body(seconds, target))
    with open(os.environ["KILLER_BLACKOUT_LOG"], "w") as f:
        f.write(f"{started}\n")


DAMAGE = {"garbage": b"GARBAGE{", "torn": b'{"seq":999,"kind":"intent","id":"x","act'}


def act(journal: object) -> None:
    """What happens at the point: SIGKILL, unless KILLER_ACT says otherwise."""
    what = os.environ.get("KILLER_ACT", "kill")
    if what in DAMAGE:
        with open(journal.path, "ab") as f:  # type: ignore[attr-defined]
            f.write(DAMAGE[what])
    elif what == "enospc":
        from drillkit.engine import journal as journal_module

        def full(fd: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        journal_module.write = full
    elif what == "signal":
        number = signal.Signals[os.environ.get("KILLER_SIGNAL", "SIGTERM")]
        for _ in range(int(os.environ.get("KILLER_SIGNAL_COUNT", "1"))):
            os.kill(os.getpid(), number)
            time.sleep(0.05)  # two signals of one kind must not coalesce
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def install(kind: str, match: dict[str, str], nth: int) -> None:
    """Make the Nth matching ``Journal.append`` the process's last act."""
    from drillkit.engine.journal import Journal

    original = Journal.append
    seen = [0]
    faults_on = threading.Event()
    lock = threading.Lock()
    faults_after = parse_point(os.environ.get("KILLER_FAULTS_AFTER", ""))
    admin_url = os.environ.get("KILLER_ADMIN_URL", "")
    blackout_after = parse_point(os.environ.get("KILLER_BLACKOUT_AFTER", ""))
    blacked_out = threading.Event()

    def append(self: Journal, new: R) -> R:
        record = original(self, new)
        if admin_url and not faults_on.is_set() and matches(record, *faults_after):
            faults_on.set()
            turn_faults_on(admin_url)
        blackout = admin_url and "KILLER_BLACKOUT_S" in os.environ
        if blackout and not blacked_out.is_set() and matches(record, *blackout_after):
            blacked_out.set()
            black_out(admin_url)
        if nth and matches(record, kind, match):
            with lock:
                seen[0] += 1
                hit = seen[0] == nth
            if hit:
                act(self)
        return record

    Journal.append = append  # type: ignore[method-assign, assignment]


def main() -> None:
    point, nth, *args = sys.argv[1:]
    kind, match = parse_point(point)
    install(kind, match, int(nth))
    from drillkit.cli.main import main as drillkit_main

    sys.argv = ["drillkit", *args]
    drillkit_main()


if __name__ == "__main__":
    main()
