"""Structure-aware fuzzing of the running DNS twin over UDP and TCP: random names, types, classes
and ECS options, truncated and bit-flipped packets; the server keeps answering normal queries."""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import structlog.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillkit.sandbox.tm.dns import UDP_MAX_PAYLOAD
from tests.fuzz.dnswire import SENTINEL_ID, queries, tcp_exchange, udp_exchange
from tests.fuzz.test_arm_fuzz import Arm
from tests.twin.tm.conftest import TwinThread

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ANSWERED = {dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.REFUSED}
ALLOWED = ANSWERED | {dns.rcode.FORMERR, dns.rcode.NOTIMP}


@contextmanager
def no_server_errors() -> Iterator[None]:
    """Fail if the twin logged an error (its servers log and swallow handler exceptions)."""
    with structlog.testing.capture_logs() as logs:
        yield
    errors = [entry for entry in logs if entry.get("log_level") in ("error", "critical")]
    assert not errors, errors


def _port(twin: TwinThread) -> int:
    return int(twin.keys["dns"]["port"])


def _check_reply(wire: bytes, reply: bytes, limit: int) -> dns.message.Message:
    """A reply is a parseable response to the packet that caused it, within the size limit."""
    assert len(reply) <= limit
    message = dns.message.from_wire(reply)
    assert message.flags & dns.flags.QR
    assert message.id == int.from_bytes(wire[:2], "big")
    assert message.rcode() in ALLOWED, dns.rcode.to_text(message.rcode())
    return message


def _ecs_echo(query: dns.message.Message, reply: dns.message.Message) -> None:
    """A well-formed ECS option comes back with its family, source prefix and address."""
    sent = [o for o in query.options if isinstance(o, dns.edns.ECSOption)]
    if not sent or reply.rcode() not in ANSWERED or query.edns != 0:
        return
    echoed = [o for o in reply.options if isinstance(o, dns.edns.ECSOption)]
    assert echoed, reply.to_text()
    assert (echoed[0].family, echoed[0].srclen) == (sent[0].family, sent[0].srclen)
    # Only the first srclen bits travel on the wire (RFC 7871 6): compare those.
    assert _network(echoed[0]) == _network(sent[0])


def _udp_limit(wire: bytes) -> int:
    """The client's EDNS payload size (512 at least, the twin's cap at most), 512 without EDNS."""
    try:
        query = dns.message.from_wire(wire)
    except Exception:
        return 512  # unreadable: the reply, if any, is a bare FORMERR header
    if query.edns < 0:
        return 512
    return min(UDP_MAX_PAYLOAD, max(512, query.payload))


def _network(option: dns.edns.ECSOption) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(f"{option.address}/{option.srclen}", strict=False)


@settings(FUZZ, max_examples=150)
@given(query=queries())
def test_valid_queries_over_udp_are_always_answered(
    twin: TwinThread, query: dns.message.Message
) -> None:
    """Every valid query gets a same-id response within its EDNS size (or 512), ECS echoed."""
    wire = query.to_wire()
    with no_server_errors():
        replies = udp_exchange(_port(twin), wire)
    assert len(replies) == 1, "a valid query was dropped"
    reply = _check_reply(wire, replies[0], _udp_limit(wire))
    if reply.rcode() in ANSWERED:
        assert reply.question[0].name == query.question[0].name
        _ecs_echo(query, reply)


@settings(FUZZ, max_examples=150)
@given(
    query=queries(),
    flips=st.lists(st.integers(min_value=0, max_value=8 * 300), max_size=6),
    keep=st.integers(min_value=0, max_value=300),
)
def test_bit_flipped_and_truncated_packets_over_udp(
    twin: TwinThread, query: dns.message.Message, flips: list[int], keep: int
) -> None:
    """A query with random bits flipped and its tail cut is answered sanely or dropped."""
    packet = bytearray(query.to_wire())
    for bit in flips:
        packet[(bit // 8) % len(packet)] ^= 1 << (bit % 8)
    wire = bytes(packet[: max(keep, 1)])
    if wire[:2] == SENTINEL_ID.to_bytes(2, "big"):
        wire = b"\x00\x00" + wire[2:]
    with no_server_errors():
        replies = udp_exchange(_port(twin), wire)
    assert len(replies) <= 1
    for reply in replies:
        _check_reply(wire, reply, _udp_limit(wire))


@settings(FUZZ, max_examples=60)
@given(
    query=queries(),
    flips=st.lists(st.integers(min_value=0, max_value=8 * 300), max_size=4),
    keep=st.integers(min_value=0, max_value=300),
    frame=st.sampled_from(["exact", "short", "long"]),
)
def test_mutated_frames_over_tcp(
    twin: TwinThread, query: dns.message.Message, flips: list[int], keep: int, frame: str
) -> None:
    """Mutated messages with exact, short or overlong length prefixes never stop the server."""
    packet = bytearray(query.to_wire())
    for bit in flips:
        packet[(bit // 8) % len(packet)] ^= 1 << (bit % 8)
    wire = bytes(packet[: max(keep, 1)])
    length = {"exact": len(wire), "short": max(len(wire) - 3, 0), "long": len(wire) + 40}[frame]
    with no_server_errors():
        frames = tcp_exchange(_port(twin), struct.pack("!H", length) + wire)
    if frame == "exact":
        for reply in frames:
            _check_reply(wire, reply, 65535)


def test_valid_query_over_tcp_keeps_ecs_and_the_answer(twin: TwinThread) -> None:
    """After the fuzzing above, a plain TCP query still gets New York's answer and its ECS."""
    query = dns.message.make_query(
        "myapp.trafficmanager.net", "A", use_edns=0, options=[dns.edns.ECSOption("24.1.2.0", 24)]
    )
    wire = query.to_wire()
    frames = tcp_exchange(_port(twin), struct.pack("!H", len(wire)) + wire)
    reply = _check_reply(wire, frames[0], 65535)
    _ecs_echo(query, reply)


def test_a_stalled_tcp_frame_does_not_block_udp(twin: TwinThread) -> None:
    """A TCP client that announces 1,000 octets and sends 5 does not hold up UDP answers."""
    with socket.create_connection(("127.0.0.1", _port(twin)), timeout=5) as stalled:
        stalled.sendall(struct.pack("!H", 1000) + b"\x12\x34\x01\x00\x00")
        assert udp_exchange(_port(twin), b"\x00") == []


def test_a_query_for_the_root_name_is_answered(twin: TwinThread) -> None:
    """`dig . A` against the twin gets an answer (REFUSED: the root is not its zone)."""
    query = dns.message.make_query(".", "A")
    with no_server_errors():
        replies = udp_exchange(_port(twin), query.to_wire())
    assert len(replies) == 1
    assert dns.message.from_wire(replies[0]).rcode() == dns.rcode.REFUSED


def test_an_any_query_on_a_mixed_family_multivalue_profile_gets_a_and_aaaa(
    twin: TwinThread,
) -> None:
    """ANY on a MultiValue profile with IPv4 and IPv6 endpoints is answered with both families."""
    arm = Arm(twin.keys["trafficManager"])
    endpoints = [
        {"name": name, "type": "externalEndpoints", "properties": {"target": target}}
        for name, target in (("v4", "127.0.0.9"), ("v6", "::1"))
    ]
    monitor = {"protocol": "TCP", "port": 9, "intervalInSeconds": 30}
    props = {"trafficRoutingMethod": "MultiValue", "maxReturn": 8, "monitorConfig": monitor}
    props |= {"dnsConfig": {"relativeName": "fuzz-mixed", "ttl": 30}, "endpoints": endpoints}
    body = json.dumps({"location": "global", "properties": props}).encode()
    try:
        created = arm.send("PUT", "fuzz-mixed", body, "2022-04-01")
        assert created.status_code == 201, created.text
        query = dns.message.make_query("fuzz-mixed.trafficmanager.net", "ANY")
        with no_server_errors():
            replies = udp_exchange(_port(twin), query.to_wire())
        assert len(replies) == 1, "the ANY query went unanswered"
        answer = dns.message.from_wire(replies[0]).answer
        found = {(dns.rdatatype.to_text(rrset.rdtype), str(rd)) for rrset in answer for rd in rrset}
        assert found == {("A", "127.0.0.9"), ("AAAA", "::1")}
    finally:
        arm.send("DELETE", "fuzz-mixed", b"", "2022-04-01")
        arm.http.close()
