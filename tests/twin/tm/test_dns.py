"""The authoritative DNS twin: dig and dnspython queries, ECS, NXDOMAIN/NODATA, malformed input."""

from __future__ import annotations

import shutil
import socket
import subprocess

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.twin.tm.conftest import FAST_SCALE, TwinThread, wait_for

FQDN = "myapp.trafficmanager.net"


def _query(twin: TwinThread, name: str, rdtype: str = "A", subnet: str | None = None,
           tcp: bool = False) -> dns.message.Message:  # fmt: skip
    options = []
    if subnet:
        address, prefix = subnet.split("/")
        options.append(dns.edns.ECSOption(address, int(prefix)))
    query = dns.message.make_query(name, rdtype, use_edns=0, options=options)
    port = twin.keys["dns"]["port"]
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, "127.0.0.1", port=port, timeout=2)


def _cname(response: dns.message.Message) -> str | None:
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            return str(rrset[0].target).rstrip(".")
    return None


@pytest.mark.skipif(shutil.which("dig") is None, reason="dig (bind9-dnsutils) is not installed")
def test_dig_with_subnet_gets_the_us_ingress(twin: TwinThread) -> None:
    """dig +subnet=24.1.2.0/24 is answered with the US ingress and the ECS option echoed."""
    port = twin.keys["dns"]["port"]
    out = subprocess.run(
        ["dig", "@127.0.0.1", "-p", str(port), "+subnet=24.1.2.0/24", FQDN],
        capture_output=True, text=True, timeout=10, check=True,
    ).stdout  # fmt: skip
    assert "status: NOERROR" in out
    assert "CLIENT-SUBNET: 24.1.2.0/24/24" in out
    ttl = round(40 * FAST_SCALE)
    assert f"{FQDN}. {ttl}\tIN\tCNAME\tus.ingress.sandbox.test." in out
    assert "127.0.0.2" not in out  # the CNAME alone: the resolver asks the target's zone
    assert " aa" in out.split("flags:")[1].split(";")[0]


def test_each_geography_gets_its_region(twin: TwinThread) -> None:
    """New York resolves to the US ingress, Paris and the rest of the world to the EU one."""
    assert _cname(_query(twin, FQDN, subnet="24.1.2.0/24")) == "us.ingress.sandbox.test"
    assert _cname(_query(twin, FQDN, subnet="128.7.8.0/24")) == "eu.ingress.sandbox.test"
    # No ECS: the resolver's own address (loopback, unknown) falls to WORLD -> myapp-eu.
    assert _cname(_query(twin, FQDN)) == "eu.ingress.sandbox.test"


def test_ttl_is_the_scaled_dns_config_ttl(twin: TwinThread) -> None:
    """The record TTL is dnsConfig.ttl (40 s in the fast world) times timeScale, exactly."""
    response = _query(twin, FQDN, subnet="24.1.2.0/24")
    assert response.answer[0].ttl == 40 * FAST_SCALE == 2


def test_ecs_scope_is_echoed(twin: TwinThread) -> None:
    """The response carries the ECS option with the query's address, source and a scope prefix."""
    response = _query(twin, FQDN, subnet="128.7.8.0/24")
    ecs = [o for o in response.options if isinstance(o, dns.edns.ECSOption)]
    assert len(ecs) == 1
    assert (ecs[0].address, ecs[0].srclen, ecs[0].scopelen) == ("128.7.8.0", 24, 24)


def test_tcp_answers_like_udp(twin: TwinThread) -> None:
    """The same question over TCP gets the same answer."""
    response = _query(twin, FQDN, subnet="24.1.2.0/24", tcp=True)
    assert _cname(response) == "us.ingress.sandbox.test"


def test_unknown_name_is_nxdomain_with_soa(twin: TwinThread) -> None:
    """A relative name no profile has is NXDOMAIN with the zone's SOA in authority."""
    response = _query(twin, "no-such-profile.trafficmanager.net")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.authority[0].rdtype == dns.rdatatype.SOA


def test_ingress_names_have_a_records(twin: TwinThread) -> None:
    """The sandbox ingress names resolve to their loopback addresses."""
    response = _query(twin, "eu.ingress.sandbox.test")
    assert [str(r) for r in response.answer[0]] == ["127.0.0.3"]


def test_names_outside_the_zones_are_refused(twin: TwinThread) -> None:
    """The twin is authoritative only: other names are REFUSED."""
    assert _query(twin, "example.com").rcode() == dns.rcode.REFUSED


def test_disabled_profile_is_nxdomain(twin: TwinThread) -> None:
    """Disabling a profile makes its name NXDOMAIN until it is enabled again."""

    def set_status(status: str) -> None:
        def apply(tw: object) -> None:
            profile = tw.store.by_relative_name("myapp-eu")  # type: ignore[attr-defined]
            profile.properties["profileStatus"] = status
            tw.store.changed()  # type: ignore[attr-defined]

        twin.call(apply)

    set_status("Disabled")
    try:
        assert _query(twin, "myapp-eu.trafficmanager.net").rcode() == dns.rcode.NXDOMAIN
    finally:
        set_status("Enabled")
    assert _cname(_query(twin, "myapp-eu.trafficmanager.net")) == "eu.ingress.sandbox.test"


def test_aaaa_for_hostname_target_is_cname_only(twin: TwinThread) -> None:
    """An AAAA question for a name-target endpoint is answered by the CNAME alone."""
    response = _query(twin, FQDN, "AAAA", subnet="24.1.2.0/24")
    assert [r.rdtype for r in response.answer] == [dns.rdatatype.CNAME]


def _udp(port: int, payload: bytes) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(payload, ("127.0.0.1", port))
        try:
            return sock.recv(4096)
        except TimeoutError:
            return None


def test_garbage_with_header_gets_formerr(twin: TwinThread) -> None:
    """A packet with a query header but an unreadable body is answered FORMERR, same id."""
    reply = _udp(twin.keys["dns"]["port"], b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff")
    assert reply is not None
    message = dns.message.from_wire(reply)
    assert message.id == 0x1234
    assert message.rcode() == dns.rcode.FORMERR


def test_short_packet_is_dropped(twin: TwinThread) -> None:
    """A packet shorter than a DNS header gets no answer at all."""
    assert _udp(twin.keys["dns"]["port"], b"\x00\x01\x02") is None


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.binary(max_size=600))
def test_fuzzed_packets_never_crash_the_responder(twin: TwinThread, payload: bytes) -> None:
    """Random bytes yield a parseable answer or nothing, never an exception."""
    reply = twin.twin.responder.respond(payload, "127.0.0.1", max_size=512)
    if reply is not None:
        assert dns.message.from_wire(reply).flags & dns.flags.QR


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0, max_value=200), value=st.integers(0, 255),
       cut=st.integers(min_value=0, max_value=200))  # fmt: skip
def test_mutated_queries_never_crash_the_responder(
    twin: TwinThread, position: int, value: int, cut: int
) -> None:
    """A real ECS query with one byte changed and a random tail cut is answered or dropped."""
    ecs = [dns.edns.ECSOption("24.1.2.0", 24)]
    query = dns.message.make_query(FQDN, "A", use_edns=0, options=ecs).to_wire()
    mutated = bytearray(query[: max(12, len(query) - cut)])
    mutated[position % len(mutated)] = value
    reply = twin.twin.responder.respond(bytes(mutated), "127.0.0.1", max_size=512)
    if reply is not None:
        assert len(reply) <= 512


def test_server_survives_a_burst_of_garbage(twin: TwinThread) -> None:
    """After hundreds of malformed datagrams the live server still answers correctly."""
    port = twin.keys["dns"]["port"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i in range(500):
            sock.sendto(bytes((i * 7 + j) % 256 for j in range(i % 60)), ("127.0.0.1", port))

    def answer() -> str | None:
        try:
            return _cname(_query(twin, FQDN, subnet="24.1.2.0/24"))
        except dns.exception.Timeout:  # the burst may overflow the socket buffer: UDP drops
            return None

    assert wait_for(answer, 10) == "us.ingress.sandbox.test"


def test_tcp_garbage_closes_the_connection_only(twin: TwinThread) -> None:
    """A TCP client sending a bad length-prefixed message is cut off; others are still served."""
    port = twin.keys["dns"]["port"]
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"\x00\x05\x80\x00\x00\x00\x00")  # a 5-byte "response": dropped
        sock.settimeout(2)
        assert sock.recv(100) == b""
    assert _cname(_query(twin, FQDN, subnet="24.1.2.0/24", tcp=True)) == "us.ingress.sandbox.test"
