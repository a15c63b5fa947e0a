"""Benchmarks of the Traffic Manager twin: DNS queries/s with ECS, prober timing, ARM p99.

Run: ``python -m bench.tm_twin [--queries N]``. The twin serves from this process (one event
loop, one core); the DNS load comes from a separate client process over UDP.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import ssl
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import dns.edns
import dns.message
import httpx

from bench.common import Row
from drillkit.sandbox.tm.twin import TrafficManagerTwin
from drillkit.sandbox.world import World, load_world

WINDOW = 32  # queries in flight: enough to keep one server core busy


def _wire(i: int, distinct: bool) -> bytes:
    subnet = f"24.{(i >> 8) & 255}.{i & 255}.0" if distinct else "24.1.2.0"
    ecs: list[dns.edns.Option] = [dns.edns.ECSOption(subnet, 24)]
    query = dns.message.make_query("myapp.trafficmanager.net", "A", use_edns=0, options=ecs)
    query.id = i & 0xFFFF
    wire: bytes = query.to_wire()
    return wire


def dns_client(port: int, total: int, distinct: bool, result: Any) -> None:
    """Send ``total`` ECS queries keeping WINDOW in flight; report answered count and seconds.

    ``distinct``: every query carries another client subnet, so no answer is reused.
    """
    wires = [_wire(i, distinct) for i in range(total if distinct else WINDOW)]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    sock.connect(("127.0.0.1", port))
    sent = answered = timeouts = 0
    start = time.perf_counter()
    for wire in wires:
        sock.send(wire)
        sent += 1
    deadline = start + 120
    while answered < total and time.perf_counter() < deadline:
        try:
            sock.recv(4096)
        except TimeoutError:  # a dropped datagram: refill the window
            timeouts += 1
            for wire in wires[: WINDOW // 4]:
                sock.send(wire)
            continue
        answered += 1
        if sent < total:
            sock.send(wires[sent % len(wires)])
            sent += 1
    result.put((answered, time.perf_counter() - start, timeouts))
    sock.close()


async def bench_dns(twin: TrafficManagerTwin, total: int, distinct: bool) -> float:
    queue: Any = multiprocessing.get_context("spawn").Queue()
    proc = multiprocessing.get_context("spawn").Process(
        target=dns_client, args=(twin.dns.port, total, distinct, queue)
    )
    proc.start()
    answered, seconds, timeouts = await asyncio.to_thread(queue.get, True, 180)
    if timeouts:
        print(f"  ({answered} answered in {seconds:.2f} s, {timeouts} client timeouts)")
    await asyncio.to_thread(proc.join, 10)
    return float(answered / seconds)


async def bench_arm(twin: TrafficManagerTwin, total: int) -> list[float]:
    keys = twin.world_keys()["trafficManager"]
    url = (f"{keys['armUrl']}/subscriptions/{keys['subscriptionId']}/resourceGroups/"
           f"{keys['resourceGroup']}/providers/Microsoft.Network/trafficmanagerprofiles/myapp"
           "?api-version=2026-09-01")  # fmt: skip
    context = ssl.create_default_context(cafile=keys["caFile"])
    headers = {"Authorization": f"Bearer {keys['token']}"}
    latencies = []
    async with httpx.AsyncClient(verify=context, headers=headers) as client:
        for _ in range(total):
            start = time.perf_counter()
            response = await client.get(url)
            latencies.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return latencies


async def measure(queries: int, arm_requests: int, settle: float) -> dict[str, Any]:
    """Start the default world's twin (timeScale 0.02) and take every measurement."""
    # TTL 50 s: the twin refuses TTLs that timeScale does not turn into whole seconds.
    data = load_world().model_dump(by_alias=True)
    data["timeScale"] = 0.02
    for profile in data["trafficManager"]["profiles"]:
        profile["ttl"] = 50
    world = World.model_validate(data)
    with tempfile.TemporaryDirectory() as state:
        twin = TrafficManagerTwin(world, state_dir=Path(state), health=lambda region: True)
        await twin.start()
        try:
            await asyncio.sleep(settle)  # let probes run so timings accumulate
            lags = sorted(abs(t.applied - t.scheduled) * 1000 for t in twin.prober.timings)
            qps = await bench_dns(twin, queries, distinct=False)
            qps_distinct = await bench_dns(twin, queries // 4, distinct=True)
            arm = sorted(await bench_arm(twin, arm_requests))
        finally:
            await twin.stop()
    return {
        "queries": queries,
        "qps": qps,
        "qps_distinct": qps_distinct,
        "lag_p50": statistics.median(lags),
        "lag_p99": lags[max(0, int(len(lags) * 0.99) - 1)],
        "lag_max": max(lags),
        "probes": len(lags),
        "arm_p50": arm[len(arm) // 2],
        "arm_p99": arm[max(0, int(len(arm) * 0.99) - 1)],
        "arm_requests": arm_requests,
    }


def run() -> list[Row]:
    """Rows for docs/benchmarks.md (``python -m bench.run --only bench.tm_twin``)."""
    m = asyncio.run(measure(20000, 500, 3.0))
    return [
        Row("TM twin DNS queries/s with ECS, one vantage subnet (answers reused)",
            f"{m['qps']:.0f}/s", "at least 5,000/s", m["qps"] >= 5000,
            f"{m['queries']} UDP queries, {WINDOW} in flight, from a separate process"),
        Row("TM twin DNS queries/s with ECS, every query another /24 (nothing reused)",
            f"{m['qps_distinct']:.0f}/s", "n/a", None,
            f"{m['queries'] // 4} UDP queries; dnspython parse + render per query"),
        Row("TM twin prober: result applied after the scheduled probe time",
            f"p50 {m['lag_p50']:.1f} ms, p99 {m['lag_p99']:.1f} ms", "within 50 ms",
            m["lag_p99"] <= 50, f"{m['probes']} HTTP probes of the default world, timeScale 0.02"),
        Row("TM twin ARM GET profile latency over HTTPS",
            f"p50 {m['arm_p50']:.1f} ms, p99 {m['arm_p99']:.1f} ms", "n/a", None,
            f"{m['arm_requests']} sequential requests, one keep-alive connection"),
    ]  # fmt: skip


async def main(queries: int, arm_requests: int, settle: float) -> None:
    m = await measure(queries, arm_requests, settle)
    print(f"dns_queries_per_second_with_ecs: {m['qps']:.0f} ({queries} queries, one subnet)")
    print(
        f"dns_queries_per_second_with_ecs_distinct_subnets: {m['qps_distinct']:.0f} "
        f"({queries // 4} queries, each from another /24, nothing reused)"
    )
    print(
        f"prober_result_lag_ms: p50 {m['lag_p50']:.2f}, p99 {m['lag_p99']:.2f}, "
        f"max {m['lag_max']:.2f} ({m['probes']} probes)"
    )
    print(
        f"arm_get_profile_latency_ms: p50 {m['arm_p50']:.2f}, p99 {m['arm_p99']:.2f} "
        f"({arm_requests} requests, HTTPS)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=20000)
    parser.add_argument("--arm-requests", type=int, default=500)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of probing to time")
    args = parser.parse_args()
    asyncio.run(main(args.queries, args.arm_requests, args.settle))
