"""Issue #17: 1,000 vantage points x every name server of the twin (2) at a 1 s poll, the
observer on one core, journalling every tick; the share of ticks on time.

``python -m bench.scale_observe [--vantage 1000] [--seconds 20]``. A tick is on time when it
started within a tenth of the interval of its schedule and was not skipped; the goal is 95 %.
The twin runs in its own process (as with ``--attach``), started before this process pins
itself to one core, so that the twin keeps the other core; both cores are shared with others.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row
from bench.drill import sandbox_up, stop_sandbox
from bench.observe import _drill

POLL_S = 1.0
ON_TIME_S = 0.1


def udp_drops(port: int) -> tuple[int, int]:
    """Datagrams the kernel dropped (receive buffer full) on loopback UDP sockets: those bound
    to ``port`` (the twin's name servers) and those connected to it (the observer's)."""
    server = client = 0
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        if not os.path.exists(path):
            continue
        with open(path, encoding="ascii") as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                local = int(fields[1].rsplit(":", 1)[1], 16)
                remote = int(fields[2].rsplit(":", 1)[1], 16)
                if local == port:
                    server += int(fields[-1])
                elif remote == port:
                    client += int(fields[-1])
    return server, client


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(vantage: int = 1000, seconds: float = 20.0) -> dict[str, float]:
    """Observe for ``seconds``; ticks on time, their share, CPU time and query rate."""
    from drillkit.adapters.clock import SystemClock
    from drillkit.adapters.connect import connect_sandbox
    from drillkit.engine.journal import Journal
    from drillkit.engine.observe import Observer

    drill = _drill(vantage)
    data = drill.model_dump(mode="json", by_alias=True)
    data["observe"]["pollInterval"] = f"{int(POLL_S * 1000)}ms"
    drill = type(drill).model_validate(data)
    affinity = os.sched_getaffinity(0)
    with tempfile.TemporaryDirectory() as tmp:
        twin = sandbox_up(Path(tmp) / "state")
        try:
            os.sched_setaffinity(0, {min(affinity)})
            info = json.loads((Path(tmp) / "state" / "world.json").read_text(encoding="utf-8"))
            conns = connect_sandbox(drill, info)
            servers = len(getattr(conns.resolver, "servers", [None]))
            port = int(info["dns"]["port"])
            journal = Journal(Path(tmp) / "run" / "journal.jsonl", SystemClock())
            try:
                observer = Observer(drill, conns, journal)
                twin_cpu = cpu_seconds(twin.pid)
                cpu = time.process_time()
                state = asyncio.run(observer.run_async(duration_s=seconds))
                cpu = time.process_time() - cpu
                twin_cpu = cpu_seconds(twin.pid) - twin_cpu
                server_drops, client_drops = udp_drops(port)
                stats = getattr(conns.resolver, "stats", {})
                failed = sum(s.failed for s in stats.values())
            finally:
                conns.close()
        finally:
            os.sched_setaffinity(0, affinity)
            stop_sandbox(twin)
    expected = seconds / POLL_S
    on_time = sum(1 for lag in state.lags if lag <= ON_TIME_S)
    queries = sum(state.dns_queries.values())
    return {
        "vantage": vantage,
        "servers": servers,
        "expected": expected,
        "ticks": state.ticks,
        "on_time": on_time,
        "share": on_time / expected,
        "missed": state.missed,
        "errors": state.errors,
        "cpu_share": cpu / seconds,
        "twin_cpu_share": twin_cpu / seconds,
        "dns_per_s": queries / seconds,
        "dns_failed": failed,
        "twin_drops": server_drops,
        "observer_drops": client_drops,
        "lag_p99_ms": sorted(state.lags)[int(0.99 * (len(state.lags) - 1))] * 1000
        if state.lags
        else 0.0,
        "load": os.getloadavg()[0],
    }


def run() -> list[Row]:
    m = measure()
    return [
        Row(
            f"observation at scale: {m['vantage']} vantage points x {m['servers']} name servers"
            " at 1 s, one core",
            f"{m['share'] * 100:.0f} % of ticks on time ({m['on_time']:.0f}/{m['expected']:.0f},"
            f" {m['missed']:.0f} skipped, start lag p99 {m['lag_p99_ms']:.0f} ms), "
            f"{m['dns_per_s']:.0f} DNS questions/s, {m['dns_failed']:.0f} unanswered; "
            f"datagrams dropped: {m['twin_drops']:.0f} by the twin, {m['observer_drops']:.0f} "
            f"by the observer; CPU: observer {m['cpu_share'] * 100:.0f} %, twin "
            f"{m['twin_cpu_share'] * 100:.0f} % of one core; load average {m['load']:.1f}",
            ">= 95 % of ticks on time (started within 100 ms of schedule)",
            m["share"] >= 0.95,
            "python -m bench.scale_observe (observer pinned to one core, journalling every tick; "
            "the twin in its own process)",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vantage", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    m = measure(args.vantage, args.seconds)
    for key, value in m.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    return 0 if m["share"] >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
