"""DNS questions with EDNS Client Subnet (RFC 7871), asked straight to authoritative servers."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Sequence

from drillkit.adapters.errors import short
from drillkit.adapters.ports import DnsAnswer
from drillkit.errors import PreflightRefused


def nameserver_addresses(names: Sequence[str], default_port: int = 53) -> list[tuple[str, int]]:
    """``host[:port]`` entries as (IP, port); host names are looked up once, here."""
    import dns.exception
    import dns.resolver

    result: list[tuple[str, int]] = []
    for entry in names:
        host, _, port_text = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        port = int(port_text) if port_text else default_port
        try:
            ipaddress.ip_address(host)
            result.append((host, port))
            continue
        except ValueError:
            pass
        try:
            answer = dns.resolver.resolve(host, "A", lifetime=5)
        except dns.exception.DNSException as e:
            raise PreflightRefused(
                f"cannot resolve name server {host}: {short(e)}; nothing was changed"
            ) from e
        result.extend((str(record), port) for record in answer)
    return result


class EcsResolver:
    """``Resolver`` over UDP (TCP on truncation) with one ECS option per question."""

    def __init__(self, nameservers: Sequence[tuple[str, int]], timeout_s: float = 2.0) -> None:
        if not nameservers:
            raise PreflightRefused("no name server to ask; set observe.nameservers in the drill")
        self._nameservers = list(nameservers)
        self._timeout = timeout_s

    async def resolve(self, qname: str, client_subnet: str) -> DnsAnswer:
        import dns.asyncquery
        import dns.edns
        import dns.exception
        import dns.message
        import dns.rcode
        import dns.rdatatype

        network = ipaddress.ip_network(client_subnet, strict=False)
        option = dns.edns.ECSOption(str(network.network_address), network.prefixlen)
        query = dns.message.make_query(qname, "A", use_edns=0, options=[option])
        started = time.monotonic()
        last_error = ""
        for host, port in self._nameservers:
            try:
                response = await dns.asyncquery.udp_with_fallback(
                    query, host, port=port, timeout=self._timeout
                )
            except (dns.exception.DNSException, OSError) as e:
                last_error = short(f"{host}:{port}: {e!r}", 200)
                continue
            message = response[0]
            targets: list[str] = []
            addresses: list[str] = []
            ttl: int | None = None
            for rrset in message.answer:
                ttl = rrset.ttl if ttl is None else min(ttl, rrset.ttl)
                for record in rrset:
                    if rrset.rdtype == dns.rdatatype.CNAME:
                        targets.append(str(record.target).rstrip("."))
                    elif rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                        addresses.append(str(record))
            return DnsAnswer(
                rcode=dns.rcode.to_text(message.rcode()),
                targets=tuple(targets),
                addresses=tuple(addresses),
                ttl=ttl,
                latency_s=time.monotonic() - started,
            )
        return DnsAnswer(
            rcode="TIMEOUT", latency_s=time.monotonic() - started, error=last_error or "no answer"
        )
