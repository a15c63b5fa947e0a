"""A tiny authoritative DNS server for tests: fixed records, UDP, on loopback addresses that
share one ephemeral port (so discovered servers can be asked at that port)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.message
import dns.rcode
import dns.rrset

Records = dict[tuple[str, str], list[str]]  # (name, type) -> rdata texts


def _answer(query: dns.message.Message, records: Records) -> bytes:
    response = dns.message.make_response(query)
    question = query.question[0]
    name = question.name.to_text().lower()
    rdtype = dns.rdatatype.to_text(question.rdtype)
    data = records.get((name, rdtype))
    if data:
        response.answer.append(dns.rrset.from_text_list(name, 30, "IN", rdtype, data))
    elif not any(key[0] == name for key in records):
        response.set_rcode(dns.rcode.NXDOMAIN)
    response.flags |= dns.flags.AA
    return response.to_wire()


@contextmanager
def serve(records: Records, addresses: list[str]) -> Iterator[int]:
    """Serve ``records`` on each of ``addresses`` at one shared ephemeral UDP port."""
    sockets: list[socket.socket] = []
    first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    first.bind((addresses[0], 0))
    port = first.getsockname()[1]
    sockets.append(first)
    for address in addresses[1:]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.bind((address, port))
        sockets.append(sock)
    stop = threading.Event()

    def loop(sock: socket.socket) -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            sock.sendto(_answer(dns.message.from_wire(data), records), peer)

    threads = [threading.Thread(target=loop, args=(s,), daemon=True) for s in sockets]
    for thread in threads:
        thread.start()
    try:
        yield port
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=2)
        for sock in sockets:
            sock.close()
