"""Benchmarks of the Traffic Manager twin: DNS queries/s with ECS, prober timing, ARM p99.

Run: ``python bench/tm_twin.py [--queries N]``. The twin serves from this process (one event
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

from drillkit.sandbox.tm.twin import TrafficManagerTwin
from drillkit.sandbox.world import load_world

WINDOW = 32  # queries in flight: enough to keep one server core busy


def _wire(i: int, distinct: bool) -> bytes:
    subnet = f"24.{(i >> 8) & 255}.{i & 255}.0" if distinct else "24.1.2.0"
    ecs = [dns.edns.ECSOption(subnet, 24)]
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


async def main(queries: int, arm_requests: int, settle: float) -> None:
    world = load_world().model_copy(update={"time_scale": 0.02})
    with tempfile.TemporaryDirectory() as state:
        twin = TrafficManagerTwin(world, state_dir=Path(state), health=lambda region: True)
        await twin.start()
        try:
            await asyncio.sleep(settle)  # let probes run so timings accumulate
            lags = sorted(abs(t.applied - t.scheduled) * 1000 for t in twin.prober.timings)
            qps = await bench_dns(twin, queries, distinct=False)
            qps_distinct = await bench_dns(twin, queries // 4, distinct=True)
            arm = await bench_arm(twin, arm_requests)
        finally:
            await twin.stop()
    arm.sort()
    print(f"dns_queries_per_second_with_ecs: {qps:.0f} ({queries} queries, one subnet, UDP)")
    print(
        f"dns_queries_per_second_with_ecs_distinct_subnets: {qps_distinct:.0f} "
        f"({queries // 4} queries, each from another /24, nothing reused)"
    )
    print(
        f"prober_result_lag_ms: p50 {statistics.median(lags):.2f}, "
        f"p99 {lags[int(len(lags) * 0.99) - 1]:.2f}, max {max(lags):.2f} ({len(lags)} probes)"
    )
    print(
        f"arm_get_profile_latency_ms: p50 {arm[len(arm) // 2]:.2f}, "
        f"p99 {arm[int(len(arm) * 0.99) - 1]:.2f} ({arm_requests} requests, HTTPS)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=20000)
    parser.add_argument("--arm-requests", type=int, default=500)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of probing to time")
    args = parser.parse_args()
    asyncio.run(main(args.queries, args.arm_requests, args.settle))
