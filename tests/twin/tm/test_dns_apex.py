"""The DNS twin answers NS and SOA for its zone apex, with A glue for its servers (issue 12)."""

from __future__ import annotations

import dns.message
import dns.rcode
import dns.rdatatype

from drillkit.sandbox.tm.dns_answer import Locator, Responder
from drillkit.sandbox.tm.state import Store

SERVERS = [("tm1.msft.net", "127.0.0.1"), ("tm2.msft.net", "127.0.0.10")]


def _ask(qname: str, qtype: str) -> dns.message.Message:
    responder = Responder(Store(), Locator([]), time_scale=0.1, hosts={}, nameservers=SERVERS)
    wire = responder.respond(dns.message.make_query(qname, qtype).to_wire(), "127.0.0.1")
    assert wire is not None
    return dns.message.from_wire(wire)


def test_ns_at_the_apex_names_every_server_with_glue() -> None:
    """NS trafficmanager.net lists tm1 and tm2, and the additional section gives their A records,
    so that name-server discovery can start from the zone alone."""
    reply = _ask("trafficmanager.net", "NS")
    assert reply.rcode() == dns.rcode.NOERROR
    (ns,) = reply.answer
    assert ns.rdtype == dns.rdatatype.NS
    assert sorted(str(r.target) for r in ns) == ["tm1.msft.net.", "tm2.msft.net."]
    glue = {str(rrset.name): str(rrset[0]) for rrset in reply.additional}
    assert glue == {"tm1.msft.net.": "127.0.0.1", "tm2.msft.net.": "127.0.0.10"}


def test_soa_at_the_apex_names_the_first_server() -> None:
    """SOA trafficmanager.net is answered authoritatively, its MNAME the first server."""
    reply = _ask("trafficmanager.net", "SOA")
    (soa,) = reply.answer
    assert soa.rdtype == dns.rdatatype.SOA and str(soa[0].mname) == "tm1.msft.net."


def test_server_names_resolve_to_their_addresses() -> None:
    """An A question for a server's own name is answered with its loopback address."""
    (a,) = _ask("tm2.msft.net", "A").answer
    assert str(a[0]) == "127.0.0.10"


def test_other_apex_types_are_nodata_with_soa() -> None:
    """A question for another type at the apex is NODATA with the SOA in authority."""
    reply = _ask("trafficmanager.net", "A")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    assert reply.authority[0].rdtype == dns.rdatatype.SOA
