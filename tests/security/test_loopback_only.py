"""The sandbox twin listens on loopback only: every socket `drillkit sandbox up` holds is bound
to 127.0.0.0/8, read from /proc (no extra dependency)."""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from tests.chaos.harness import SandboxProcess
from tests.security.sockets import Socket, decode_address, sockets_of

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


def test_proc_addresses_decode_as_the_kernel_prints_them() -> None:
    """/proc's little-endian hex decodes to the address and port it stands for."""
    assert decode_address("0100007F:1F90") == (ipaddress.ip_address("127.0.0.1"), 8080)
    v6 = decode_address("0000000000000000FFFF00000200007F:0035")
    assert v6 == (ipaddress.ip_address("::ffff:127.0.0.2"), 53)


def test_every_socket_of_the_twin_is_bound_to_loopback(twin: SandboxProcess) -> None:
    """Each TCP and UDP socket of the running twin has a 127.0.0.0/8 local address."""
    sockets = sockets_of(twin.pid)
    strays = [s for s in sockets if s.ipv4 is None or s.ipv4 not in LOOPBACK]
    assert not strays, f"sockets bound outside 127.0.0.0/8: {strays}"


def test_every_advertised_service_is_among_the_checked_sockets(twin: SandboxProcess) -> None:
    """The kube, ARM, admin, ingress and DNS (UDP and TCP) listeners of world.json are all seen,
    so the loopback check above looked at the real listeners."""
    info = twin.info
    listening = {(s.proto[:3], str(s.ipv4), s.port) for s in sockets_of(twin.pid) if s.listening}
    expected = set()
    for url in [r["apiServer"] for r in info["regions"].values()] + [
        info["trafficManager"]["armUrl"],
        info["admin"]["url"],
    ]:
        parts = urlsplit(url)
        expected.add(("tcp", parts.hostname, parts.port))
    for region in info["regions"].values():
        expected.add(("tcp", region["ingress"]["address"], region["ingress"]["port"]))
    dns = info["dns"]
    expected |= {("tcp", dns["host"], dns["port"]), ("udp", dns["host"], dns["port"])}
    assert expected <= listening, f"not found listening: {expected - listening}"


def test_the_reader_sees_a_new_listener_and_would_flag_other_addresses() -> None:
    """A listener this process opens is read back with its address; 0.0.0.0 and :: are strays."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.9", 0))
        listener.listen()
        port = listener.getsockname()[1]
        mine = [s for s in sockets_of(os.getpid()) if s.port == port and s.listening]
    assert [str(s.ipv4) for s in mine] == ["127.0.0.9"]
    for address in ("0.0.0.0", "::"):  # never bound: classified only
        stray = Socket("tcp", ipaddress.ip_address(address), 1, "0A")
        assert stray.ipv4 is None or stray.ipv4 not in LOOPBACK
