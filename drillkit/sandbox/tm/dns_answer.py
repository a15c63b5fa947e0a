"""Builds authoritative answers for ``<relativeName>.trafficmanager.net`` and the ingress names.

Malformed queries get FORMERR (or nothing, when not even a header can be read); the client is
located by EDNS Client Subnet when present (echoed back with a scope), else by its address.
"""

from __future__ import annotations

import ipaddress
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from drillkit.sandbox.tm.dns_fast import EcsQuery, ecs_query
from drillkit.sandbox.tm.routing import Client, IpAddress, Leaf, nxdomain_when_empty, route
from drillkit.sandbox.tm.state import DNS_ZONE, Profile, Store

TM_ZONE = dns.name.from_text(DNS_ZONE)
NXDOMAIN = "NXDOMAIN"
NODATA = "NODATA"
_CACHE_SIZE = 10_000
NS_TTL = 172800  # the zone's delegation data; not scaled: nothing measures it
_FAMILY_TYPES = {4: dns.rdatatype.A, 6: dns.rdatatype.AAAA}


@dataclass(frozen=True)
class GeoEntry:
    """A client subnet and where Traffic Manager places it."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    country: str
    state: str | None = None


class Locator:
    """Longest-prefix match of a client address to a country and state."""

    def __init__(self, entries: list[GeoEntry]) -> None:
        self.entries = sorted(entries, key=lambda e: e.network.prefixlen, reverse=True)

    def locate(self, address: IpAddress) -> Client:
        for entry in self.entries:
            if address.version == entry.network.version and address in entry.network:
                return Client(address, entry.country, entry.state)
        return Client(address)


def scaled_ttl(ttl: int, time_scale: float) -> int:
    """The TTL a client sees: dnsConfig.ttl x timeScale, exactly (0 stays 0).

    DNS carries whole seconds only. Rounding 15 s x 0.1 up to 2 s would make every cached answer
    live a third longer than the world says, an error that lands in every measured RTO; so a TTL
    that does not scale to whole seconds is refused (ValueError) with that reason instead.
    """
    scaled = ttl * time_scale
    whole = round(scaled)
    if abs(scaled - whole) > 1e-6 or (ttl > 0 and whole == 0):
        raise ValueError(
            f"a TTL of {ttl} s at timeScale {time_scale:g} is {scaled:g} s, not a whole number "
            "of seconds, and DNS carries whole seconds only; rounding it would add its error to "
            f"every measured RTO: use a TTL that is a multiple of {_ttl_step(time_scale)} s"
        )
    return int(whole)


def served_ttl(ttl: int, time_scale: float) -> int:
    """The TTL in an answer: exact, except for a TTL written through ARM at run time that does
    not scale to whole seconds (Azure accepts any TTL; the world's own are refused at start),
    which is rounded up."""
    try:
        return scaled_ttl(ttl, time_scale)
    except ValueError:
        return max(1, math.ceil(ttl * time_scale))


def _ttl_step(time_scale: float) -> str:
    step = 1 / time_scale
    return f"{step:g}" if abs(step - round(step)) < 1e-6 else f"1/{time_scale:g}"


def negative_ttl(time_scale: float) -> int:
    """The SOA minimum (negative caching) TTL: 30 s scaled, rounded up (not a measured value)."""
    return max(1, math.ceil(30 * time_scale))


class Responder:
    """Turns query bytes into response bytes over the shared store."""

    def __init__(
        self,
        store: Store,
        locator: Locator,
        *,
        time_scale: float,
        hosts: dict[str, str],
        latencies: dict[str, dict[str, float]] | None = None,
        nameservers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.store = store
        self.locator = locator
        self.time_scale = time_scale
        # Ingress names (lower, no trailing dot) -> loopback address: authoritative A records.
        # The name servers' own names are answered too (the A glue of the NS answer).
        self.nameservers = [(n.lower().rstrip("."), a) for n, a in nameservers]
        self.hosts = {h.lower().rstrip("."): a for h, a in [*hosts.items(), *self.nameservers]}
        self.host_zones = {dns.name.from_text(h).parent() for h in self.hosts}
        self.latencies = latencies or {}
        self.rng = random.Random()
        # Finished answers by (query bytes after the id, source, size limit); valid while the
        # store version is unchanged. Answers that involve a random (Weighted) pick skip it.
        self._cache: dict[tuple[bytes, str, int], bytes] = {}
        self._cache_version = -1
        self._cacheable = True
        # Finished answers by everything but the ECS address, for subnets placed alike
        # (drillkit.sandbox.tm.dns_fast): valid while the store version is unchanged.
        self._templates: dict[tuple[bytes, str, int, str | None, str | None], bytes] = {}
        self._address_used = False
        # Answer sections by (exact qname, qtype, where the client is): shared by every subnet
        # of the same country and state; the address counts only under Subnet routing.
        self._sections: dict[
            tuple[str, int, object, object, object], tuple[list[dns.rrset.RRset], bool]
        ] = {}
        self.soa_ttl = negative_ttl(time_scale)
        self.soa = dns.rdata.from_text(
            dns.rdataclass.IN,
            dns.rdatatype.SOA,
            f"{self.nameservers[0][0] if self.nameservers else 'ns1.' + DNS_ZONE}. "
            f"hostmaster.{DNS_ZONE}. 1 900 300 604800 {self.soa_ttl}",
        )

    def respond(self, wire: bytes, source: str, max_size: int = 65535) -> bytes | None:
        """The response to ``wire`` from ``source``; None when the packet is dropped."""
        if self._cache_version != self.store.version:
            self._cache.clear()
            self._sections.clear()
            self._templates.clear()
            self._cache_version = self.store.version
        key = (wire[2:], source, max_size)
        cached = self._cache.get(key)
        if cached is not None:
            return wire[:2] + cached[2:]
        fast = ecs_query(wire)
        template_key = None
        if fast is not None:
            client = self.locator.locate(fast.client)
            template_key = (fast.head, source, max_size, client.country, client.state)
            template = self._templates.get(template_key)
            if template is not None:
                return wire[:2] + template[2 : len(template) - len(fast.address)] + fast.address
        self._cacheable, self._address_used = True, False
        reply = self._respond(wire, source, max_size)
        if reply is not None and self._cacheable:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = reply
            if fast is not None and template_key is not None and self._templatable(reply, fast):
                if len(self._templates) >= _CACHE_SIZE:
                    self._templates.clear()
                self._templates[template_key] = reply
        return reply

    def _templatable(self, reply: bytes, fast: EcsQuery) -> bool:
        """The answer serves every subnet placed alike: it did not use the address itself, is
        not truncated, and ends with the echoed address bytes."""
        return not self._address_used and not reply[2] & 0x02 and reply.endswith(fast.address)

    def _respond(self, wire: bytes, source: str, max_size: int) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return _formerr(wire)
        if query.flags & dns.flags.QR:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        response.flags &= ~dns.flags.RA
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
        elif len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
        else:
            self._answer(query, response, source)
        if query.edns >= 0:
            max_size = min(max_size, max(512, query.payload))
        elif max_size < 65535:
            max_size = 512
        try:
            return response.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            response.answer.clear()
            response.authority.clear()
            response.flags |= dns.flags.TC
            return response.to_wire()

    def _answer(self, query: dns.message.Message, response: dns.message.Message, src: str) -> None:
        question = query.question[0]
        qname, qtype = question.name, question.rdtype
        client = self._client(query, response, src)
        if qname.is_subdomain(TM_ZONE):
            self._tm_answer(qname, qtype, client, response)
        elif qname in self.host_zones or (
            qname != dns.name.root and qname.parent() in self.host_zones
        ):
            self._host_answer(qname, qtype, response)
        else:
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.REFUSED)

    def _client(
        self, query: dns.message.Message, response: dns.message.Message, src: str
    ) -> Client:
        address: IpAddress = ipaddress.ip_address(src)
        for option in query.options:
            if isinstance(option, dns.edns.ECSOption):
                if option.srclen > 0:
                    address = ipaddress.ip_address(option.address)
                # RFC 7871 7.2.1: echo family, source prefix and address; scope is ours.
                echo = dns.edns.ECSOption(option.address, option.srclen, option.srclen)
                response.use_edns(0, 0, response.payload, options=[echo])
                break
        return self.locator.locate(address)

    def _tm_answer(
        self, qname: dns.name.Name, qtype: int, client: Client, response: dns.message.Message
    ) -> None:
        relative = qname.relativize(TM_ZONE)
        if relative == dns.name.empty:
            self._apex(qname, qtype, response)
            return
        profile = self.store.by_relative_name(relative.to_text())
        if len(relative) != 1 or profile is None or not answers(profile):
            response.set_rcode(dns.rcode.NXDOMAIN)
            self._nodata(response)
            return
        methods = self._methods(profile)
        self._cacheable = "Weighted" not in methods
        where = client.address if methods & {"Subnet", "Performance"} else None
        self._address_used = where is not None
        key = (qname.to_text(), int(qtype), client.country, client.state, where)
        cached = self._sections.get(key) if self._cacheable else None
        if cached is None:
            leaves = route(self.store, profile, client, self.latencies, rng=self.rng)
            ttl = served_ttl(int(profile.properties["dnsConfig"].get("ttl", 300)), self.time_scale)
            cached = (self._records(qname, qtype, leaves, ttl),
                      not leaves and nxdomain_when_empty(profile))  # fmt: skip
            if self._cacheable and len(self._sections) < _CACHE_SIZE:
                self._sections[key] = cached
        rrsets, nxdomain = cached
        if nxdomain:
            response.set_rcode(dns.rcode.NXDOMAIN)
        if not rrsets:
            self._nodata(response)
        response.answer.extend(rrsets)

    def _records(
        self, qname: dns.name.Name, qtype: int, leaves: list[Leaf], ttl: int
    ) -> list[dns.rrset.RRset]:
        addresses = [ipaddress.ip_address(t) for t in (_ip_or_none(leaf) for leaf in leaves) if t]
        if addresses:
            # ANY gets one RRset per family: an RRset holds one type only.
            rrsets = []
            for version, rdtype in ((4, "A"), (6, "AAAA")):
                picked = [str(a) for a in addresses if a.version == version]
                if picked and qtype in (dns.rdatatype.ANY, _FAMILY_TYPES[version]):
                    rrsets.append(dns.rrset.from_text_list(qname, ttl, "IN", rdtype, picked))
            return rrsets
        if not leaves:
            return []
        # A hostname endpoint is answered with the CNAME alone: the client's resolver asks the
        # target's own zone for its address, as with Traffic Manager.
        target = dns.name.from_text(str(leaves[0].endpoint.target))
        return [dns.rrset.from_text(qname, ttl, "IN", "CNAME", target.to_text())]

    def _methods(self, profile: Profile, depth: int = 0) -> set[str]:
        """The routing methods of ``profile`` and every profile nested below it."""
        methods = {profile.routing}
        if depth > 10:
            return methods | {"Weighted"}  # a nesting loop: never reuse such answers
        for endpoint in profile.endpoints:
            child = self.store.child_of(endpoint) if endpoint.kind == "nestedEndpoints" else None
            if child is not None:
                methods |= self._methods(child, depth + 1)
        return methods

    def _host_answer(self, qname: dns.name.Name, qtype: int, response: dns.message.Message) -> None:
        address = self.hosts.get(qname.to_text(omit_final_dot=True).lower())
        if address is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif qtype in (dns.rdatatype.A, dns.rdatatype.ANY):
            response.answer.append(dns.rrset.from_text(qname, 60, "IN", "A", address))

    def _apex(self, qname: dns.name.Name, qtype: int, response: dns.message.Message) -> None:
        """The zone apex: SOA, and NS naming every server with its A record as glue."""
        if qtype in (dns.rdatatype.SOA, dns.rdatatype.ANY):
            response.answer.append(dns.rrset.from_rdata(qname, self.soa_ttl, self.soa))
        if qtype in (dns.rdatatype.NS, dns.rdatatype.ANY) and self.nameservers:
            names = [f"{name}." for name, _ in self.nameservers]
            response.answer.append(dns.rrset.from_text_list(qname, NS_TTL, "IN", "NS", names))
            for name, address in self.nameservers:
                rdtype = "AAAA" if ":" in address else "A"
                response.additional.append(
                    dns.rrset.from_text(f"{name}.", NS_TTL, "IN", rdtype, address)
                )
        if not response.answer:
            self._nodata(response)

    def _nodata(self, response: dns.message.Message) -> None:
        response.authority.append(dns.rrset.from_rdata(TM_ZONE, self.soa_ttl, self.soa))

    def answer_text(self, relative_name: str, client: Client) -> str:
        """The deterministic answer for ground-truth events: targets, NXDOMAIN or NODATA."""
        profile = self.store.by_relative_name(relative_name)
        if profile is None or not answers(profile):
            return NXDOMAIN
        leaves = route(self.store, profile, client, self.latencies, rng=None)
        if not leaves and nxdomain_when_empty(profile):
            return NXDOMAIN
        return ",".join(str(leaf.endpoint.target) for leaf in leaves) or NODATA


def answers(profile: Profile) -> bool:
    """False when the name is NXDOMAIN: the profile is disabled, or every endpoint is ("If all
    endpoints in a profile are disabled, or if the profile itself is disabled, then Traffic
    Manager sends an 'NXDOMAIN' response", endpoint-types docs)."""
    if not profile.enabled:
        return False
    return not profile.endpoints or any(e.enabled for e in profile.endpoints)


def _ip_or_none(leaf: Leaf) -> str | None:
    try:
        ipaddress.ip_address(leaf.endpoint.target or "")
    except ValueError:
        return None
    return leaf.endpoint.target


def _formerr(wire: bytes) -> bytes | None:
    if len(wire) < 12 or wire[2] & 0x80:
        return None  # no readable header, or a response: never answer it
    reply = dns.message.Message(id=int.from_bytes(wire[:2], "big"))
    reply.flags = dns.flags.QR
    reply.set_rcode(dns.rcode.FORMERR)
    return reply.to_wire()
