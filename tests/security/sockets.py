"""A process's sockets, read from /proc: ``/proc/PID/fd`` names socket inodes, and
``/proc/net/{tcp,tcp6,udp,udp6}`` give each inode's local address and state."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

TCP_LISTEN = "0A"


@dataclass(frozen=True)
class Socket:
    """One socket of the process: protocol, local address and port, TCP state (hex)."""

    proto: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    state: str

    @property
    def listening(self) -> bool:
        return self.proto.startswith("udp") or self.state == TCP_LISTEN

    @property
    def ipv4(self) -> ipaddress.IPv4Address | None:
        """The IPv4 address, unwrapping v4-mapped IPv6 ones (``::ffff:127.0.0.1``)."""
        if isinstance(self.address, ipaddress.IPv4Address):
            return self.address
        return self.address.ipv4_mapped


def decode_address(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """``0100007F:1F90`` -> (127.0.0.1, 8080): /proc prints each 32-bit word little-endian."""
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(words)
    return address, int(port, 16)


def socket_inodes(pid: int) -> set[str]:
    """The inodes of every socket the process holds open."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue  # closed between listing and reading
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def sockets_of(pid: int) -> list[Socket]:
    """Every TCP and UDP socket (IPv4 and IPv6) the process holds, as /proc describes them."""
    inodes = socket_inodes(pid)
    result = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        table = Path(f"/proc/{pid}/net/{proto}")
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                address, port = decode_address(fields[1])
                result.append(Socket(proto, address, port, fields[3]))
    return result
