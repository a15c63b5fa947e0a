"""Hypothesis strategies for DNS queries (names, types, classes, EDNS and ECS options) and the
socket helpers that send them to a running DNS twin, each followed by a known-good sentinel."""

from __future__ import annotations

import socket
import struct
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
from hypothesis import strategies as st

FQDN = "myapp.trafficmanager.net"
SENTINEL_ID = 0xD1CE
EXPECTED = "us.ingress.sandbox.test"  # what New York gets while every endpoint is healthy
KNOWN_NAMES = [
    FQDN,
    "myapp-na.trafficmanager.net",
    "MyApp-EU.TrafficManager.NET",
    "missing.trafficmanager.net",
    "trafficmanager.net",
    "us.ingress.sandbox.test",
    "nothing.ingress.sandbox.test",
    "example.com",
    ".",
]

labels = st.binary(min_size=1, max_size=63)
random_names = st.lists(labels, min_size=1, max_size=6).map(
    lambda parts: dns.name.Name([*parts[:3], b""])  # at most 3 x 64 + root: under 255 octets
)
names = st.one_of(st.sampled_from(KNOWN_NAMES).map(dns.name.from_text), random_names)
qtypes = st.one_of(
    st.sampled_from(["A", "AAAA", "CNAME", "SOA", "NS", "TXT", "ANY", "MX", "PTR", "SRV"]).map(
        dns.rdatatype.from_text
    ),
    st.integers(min_value=0, max_value=65535).map(dns.rdatatype.RdataType.make),
)
qclasses = st.one_of(
    st.sampled_from([1, 3, 254, 255]), st.integers(min_value=0, max_value=65535)
).map(dns.rdataclass.RdataClass.make)


@st.composite
def ecs_options(draw: st.DrawFn) -> dns.edns.Option:
    """A well-formed ECS option (IPv4 or IPv6) or a raw one with arbitrary fields."""
    if draw(st.booleans()):
        if draw(st.booleans()):
            address = draw(st.ip_addresses(v=4))
            srclen = draw(st.integers(min_value=0, max_value=32))
        else:
            address = draw(st.ip_addresses(v=6))
            srclen = draw(st.integers(min_value=0, max_value=128))
        return dns.edns.ECSOption(str(address), srclen)
    family = draw(st.sampled_from([0, 1, 2, 3, 65535]))
    srclen = draw(st.integers(min_value=0, max_value=255))
    scope = draw(st.integers(min_value=0, max_value=255))
    raw = struct.pack("!HBB", family, srclen, scope) + draw(st.binary(max_size=20))
    return dns.edns.GenericOption(dns.edns.OptionType.ECS, raw)


other_options = st.builds(
    dns.edns.GenericOption,
    st.integers(min_value=0, max_value=65535).filter(lambda code: code != 8),
    st.binary(max_size=40),
)


@st.composite
def queries(draw: st.DrawFn) -> dns.message.Message:
    """A structurally valid query: random name, type, class, id, flags, EDNS and options."""
    options = draw(st.lists(st.one_of(ecs_options(), other_options), max_size=3))
    use_edns = draw(st.sampled_from([None, 0, 0, 0, 1, 255])) if not options else 0
    query = dns.message.make_query(
        draw(names),
        draw(qtypes),
        draw(qclasses),
        use_edns=use_edns,
        payload=draw(st.sampled_from([0, 512, 1232, 4096, 65535])),
        options=options or None,
    )
    query.id = draw(st.integers(min_value=0, max_value=65535).filter(lambda i: i != SENTINEL_ID))
    query.flags |= draw(st.sampled_from([0, dns.flags.RD, dns.flags.CD, dns.flags.AD]))
    return query


def sentinel_wire() -> bytes:
    """A normal New York query (ECS 24.1.2.0/24) with the sentinel id."""
    query = dns.message.make_query(
        FQDN, "A", use_edns=0, options=[dns.edns.ECSOption("24.1.2.0", 24)]
    )
    query.id = SENTINEL_ID
    wire: bytes = query.to_wire()
    return wire


def check_sentinel(reply: bytes) -> None:
    """The sentinel's reply carries the healthy New York answer."""
    message = dns.message.from_wire(reply)
    assert message.id == SENTINEL_ID
    cnames = [str(rrset[0].target).rstrip(".") for rrset in message.answer if rrset.rdtype == 5]
    assert cnames[:1] == [EXPECTED], message.to_text()


def udp_exchange(port: int, wire: bytes, timeout: float = 5.0) -> list[bytes]:
    """Send ``wire`` then the sentinel; every reply before the sentinel's (the server is one
    loop answering datagrams in order, so the sentinel proves ``wire`` was handled)."""
    replies: list[bytes] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", port))
        sock.settimeout(1.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # resend both if loopback dropped one
            sock.send(wire)
            sock.send(sentinel_wire())
            try:
                while True:
                    reply = sock.recv(65535)
                    if reply[:2] == SENTINEL_ID.to_bytes(2, "big") and len(reply) > 12:
                        check_sentinel(reply)
                        return replies
                    replies.append(reply)
            except TimeoutError:
                replies.clear()
        raise AssertionError(f"no answer to the sentinel within {timeout} s after {wire!r}")


def _read_frame(sock: socket.socket) -> bytes | None:
    header = _read_exactly(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack("!H", header)
    return _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def tcp_exchange(port: int, payload: bytes) -> list[bytes]:
    """Send raw ``payload`` on a TCP connection, then a framed sentinel; the frames read until
    the sentinel's answer or the server closing. A fresh connection then checks the sentinel."""
    frames: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        wire = sentinel_wire()
        sock.sendall(payload + struct.pack("!H", len(wire)) + wire)
        sock.shutdown(socket.SHUT_WR)  # a short frame then ends the stream instead of idling
        while (frame := _read_frame(sock)) is not None:
            if frame[:2] == SENTINEL_ID.to_bytes(2, "big"):
                break
            frames.append(frame)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        wire = sentinel_wire()
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        reply = _read_frame(sock)
        assert reply is not None, "the TCP server stopped answering"
        check_sentinel(reply)
    return frames
