"""DNS questions with EDNS Client Subnet (RFC 7871), asked straight to authoritative servers."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from drillkit.adapters.clock import anchored_wall
from drillkit.adapters.dns_udp import Answer, UdpEndpoint, answer_key
from drillkit.adapters.errors import short
from drillkit.adapters.ports import DnsAnswer
from drillkit.errors import PreflightRefused

_log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class NameServer:
    """One authoritative server to ask: its name (or address as written) and one address."""

    name: str
    address: str
    port: int = 53

    @property
    def key(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return (
            f"{self.name}@{host}:{self.port}"
            if self.name != self.address
            else f"{host}:{self.port}"
        )


def system_resolver(address: tuple[str, int] | None = None, timeout_s: float = 5.0) -> Any:
    """dnspython's resolver: the system's (/etc/resolv.conf), or one at ``address``."""
    import dns.resolver

    if address is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address[0]]
        resolver.port = address[1]
    resolver.lifetime = timeout_s
    return resolver


def _split(entry: str, default_port: int) -> tuple[str, int]:
    """``host``, ``host:port``, ``v6``, ``[v6]:port``."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port)
    return entry, default_port


def _addresses(resolver: Any, host: str) -> list[str]:
    """A and AAAA of ``host`` (either may be absent; none at all is an error)."""
    import dns.exception
    import dns.resolver

    found: list[str] = []
    errors: list[str] = []
    for rdtype in ("A", "AAAA"):
        try:
            found.extend(str(r) for r in resolver.resolve(host, rdtype))
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN) as e:
            errors.append(f"{rdtype}: {type(e).__name__}")
        except dns.exception.DNSException as e:
            errors.append(f"{rdtype}: {short(e, 120)}")
    if not found:
        raise PreflightRefused(
            f"cannot resolve name server {host} ({'; '.join(errors)}); nothing was changed"
        )
    return found


def nameserver_addresses(
    names: Sequence[str], default_port: int = 53, resolver: Any = None
) -> list[NameServer]:
    """``host[:port]`` entries as name servers, one per address (A and AAAA)."""
    result: list[NameServer] = []
    for entry in names:
        host, port = _split(entry, default_port)
        try:
            ipaddress.ip_address(host)
            result.append(NameServer(host, host, port))
            continue
        except ValueError:
            pass
        resolver = resolver or system_resolver()
        result.extend(NameServer(host, a, port) for a in _addresses(resolver, host))
    return result


def discover_nameservers(
    fqdn: str, resolver: Any = None, *, port: int = 53
) -> tuple[str, list[NameServer]]:
    """The zone holding ``fqdn`` (the profile's name) and its NS records' addresses, asked
    through ``resolver`` (the system's by default): the closest enclosing zone with NS."""
    import dns.exception
    import dns.name
    import dns.resolver

    resolver = resolver or system_resolver()
    name = dns.name.from_text(fqdn).parent()
    errors: list[str] = []
    while len(name.labels) > 1:
        try:
            answer = resolver.resolve(name, "NS")
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            name = name.parent()
            continue
        except dns.exception.DNSException as e:
            errors.append(short(e, 160))
            break
        zone = name.to_text().rstrip(".")
        servers: list[NameServer] = []
        for record in sorted(answer, key=str):
            host = str(record.target).rstrip(".")
            servers.extend(NameServer(host, a, port) for a in _addresses(resolver, host))
        return zone, servers
    raise PreflightRefused(
        f"cannot discover the name servers of {fqdn}'s zone"
        + (f" ({'; '.join(errors)})" if errors else " (no NS record found)")
        + "; set observe.nameservers, or check the system resolver; nothing was changed"
    )


_Summary = tuple[str, tuple[str, ...], tuple[str, ...], int | None]


@dataclass(slots=True)
class ServerStats:
    """How often one name server answered, and its last error."""

    answered: int = 0
    failed: int = 0
    last_error: str = field(default="")


PARSED_CACHE = 4096


def _summary(message: Any) -> _Summary:
    """rcode, CNAME targets, addresses and the smallest TTL of a response."""
    import dns.rcode
    import dns.rdatatype

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
    return dns.rcode.to_text(message.rcode()), tuple(targets), tuple(addresses), ttl


class EcsResolver:
    """``Resolver`` over one shared UDP socket per name server (:mod:`dns_udp`: pipelined,
    matched by id, re-sent when lost; TCP on truncation), one ECS option per question.
    Questions are built once per subnet; only the id changes."""

    def __init__(
        self, nameservers: Sequence[tuple[str, int] | NameServer], timeout_s: float = 2.0
    ) -> None:
        if not nameservers:
            raise PreflightRefused("no name server to ask; set observe.nameservers in the drill")
        self.servers = [
            ns if isinstance(ns, NameServer) else NameServer(ns[0], ns[0], int(ns[1]))
            for ns in nameservers
        ]
        self.stats = {ns.key: ServerStats() for ns in self.servers}
        self._background: set[asyncio.Future[tuple[_Summary, float, float] | str]] = set()
        self._timeout = timeout_s
        self._endpoints: dict[tuple[int, str, int], asyncio.Task[UdpEndpoint]] = {}
        self._wires: dict[tuple[str, str], bytes] = {}
        self._parsed: OrderedDict[bytes, _Summary] = OrderedDict()

    @staticmethod
    def prepare() -> None:
        """Import dnspython now, before the polling loop starts, so that no import stalls it
        (and not at construction: ``plan --inspect`` connects but never asks DNS)."""
        import dns.asyncquery
        import dns.edns
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rdatatype  # noqa: F401

    def _wire(self, qname: str, client_subnet: str) -> bytes:
        key = (qname, client_subnet)
        if key not in self._wires:
            import dns.edns
            import dns.message

            network = ipaddress.ip_network(client_subnet, strict=False)
            option = dns.edns.ECSOption(str(network.network_address), network.prefixlen)
            query = dns.message.make_query(qname, "A", use_edns=0, options=[option])
            self._wires[key] = query.to_wire()
        return self._wires[key]

    async def _endpoint(self, host: str, port: int) -> UdpEndpoint:
        """This loop's socket to ``host:port``, created once even under concurrent first use."""
        loop = asyncio.get_running_loop()
        key = (id(loop), host, port)
        task = self._endpoints.get(key)
        if task is None:
            task = loop.create_task(self._open(host, port))
            self._endpoints[key] = task
        return await asyncio.shield(task)

    @staticmethod
    async def _open(host: str, port: int) -> UdpEndpoint:
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(UdpEndpoint, remote_addr=(host, port))
        return endpoint

    async def aclose(self) -> None:
        """Close this loop's sockets (call before the loop ends)."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=self._timeout)
        for pending in list(self._background):
            pending.cancel()
        loop_id = id(asyncio.get_running_loop())
        for key in [k for k in self._endpoints if k[0] == loop_id]:
            task = self._endpoints.pop(key)
            try:
                endpoint = await task
            except OSError:
                continue
            if endpoint.transport is not None:
                endpoint.transport.close()
        await asyncio.sleep(0)  # let the transports finish closing

    def _parse_udp(self, data: bytes) -> _Summary | None:
        """The answer's summary (None when truncated). Answers that differ only in their id and
        their echoed client subnet are parsed once: hundreds of vantage points mostly get a
        handful of distinct answers."""
        import dns.flags
        import dns.message

        key = answer_key(data)
        cached = self._parsed.get(key) if key is not None else None
        if cached is not None:
            self._parsed.move_to_end(key)  # type: ignore[arg-type]
            return cached
        message = dns.message.from_wire(data)
        if message.flags & dns.flags.TC:
            return None
        summary = _summary(message)
        if key is not None:
            self._parsed[key] = summary
            if len(self._parsed) > PARSED_CACHE:
                self._parsed.popitem(last=False)
        return summary

    async def _ask_one(
        self, wire: bytes, server: NameServer
    ) -> tuple[_Summary, float, float] | str:
        """One server's summary and arrival time, or the error text; counted in ``stats``."""
        try:
            endpoint = await self._endpoint(server.address, server.port)
            asked = endpoint.ask(wire, self._timeout)
            await asyncio.wait([asked])
        except OSError as e:
            return self._failed(server, e)
        return await self._settle(wire, server, asked)

    def _failed(self, server: NameServer, error: BaseException) -> str:
        stats = self.stats[server.key]
        stats.failed += 1
        stats.last_error = short(f"{server.key}: {error!r}", 200)
        return stats.last_error

    async def _settle(
        self, wire: bytes, server: NameServer, asked: asyncio.Future[Answer]
    ) -> tuple[_Summary, float, float] | str:
        """The outcome of a finished UDP question (over TCP again when truncated)."""
        import dns.asyncquery
        import dns.exception
        import dns.message

        try:
            data, received_at, sent_at = asked.result()
            summary = self._parse_udp(data)
            if summary is None:  # truncated: ask again over TCP
                message = await dns.asyncquery.tcp(
                    dns.message.from_wire(wire), server.address, port=server.port,
                    timeout=self._timeout,
                )  # fmt: skip
                received_at = anchored_wall()
                summary = _summary(message)
        except (dns.exception.DNSException, OSError, TimeoutError, asyncio.CancelledError) as e:
            return self._failed(server, e)
        self.stats[server.key].answered += 1
        return summary, received_at, sent_at

    async def resolve_each(self, qname: str, client_subnet: str) -> list[tuple[str, DnsAnswer]]:
        """Ask every server the same question separately (issue #17: each server flips on its
        own): each server's name and its answer (or error), in server order."""
        return (await self.resolve_many(qname, [client_subnet]))[0]

    async def resolve_many(
        self, qname: str, client_subnets: Sequence[str]
    ) -> list[list[tuple[str, DnsAnswer]]]:
        """:meth:`resolve_each` for many subnets at once: every question is handed to its
        server's socket at once (each socket keeps its own window in flight), with no task per
        question, so that a tick of 1,000 vantage points x 2 servers stays cheap."""
        started = time.monotonic()
        endpoints: list[UdpEndpoint | OSError] = []
        for ns in self.servers:
            try:
                endpoints.append(await self._endpoint(ns.address, ns.port))
            except OSError as e:
                endpoints.append(e)
        wires = [self._wire(qname, subnet) for subnet in client_subnets]
        asked = [
            [e if isinstance(e, OSError) else e.ask(wire, self._timeout) for e in endpoints]
            for wire in wires
        ]
        flat = [f for row in asked for f in row if not isinstance(f, OSError)]
        if flat:
            await asyncio.wait(flat)
        out: list[list[tuple[str, DnsAnswer]]] = []
        for wire, row in zip(wires, asked, strict=True):
            answers: list[tuple[str, DnsAnswer]] = []
            for server, future in zip(self.servers, row, strict=True):
                result = (
                    self._failed(server, future)
                    if isinstance(future, OSError)
                    else await self._settle(wire, server, future)
                )
                if isinstance(result, str):
                    latency = time.monotonic() - started
                    answers.append(
                        (server.name, DnsAnswer("TIMEOUT", latency_s=latency, error=result))
                    )
                    continue
                (rcode, targets, addresses, ttl), received_at, sent_at = result
                latency = max(0.0, received_at - anchored_wall() + time.monotonic() - started)
                answer = DnsAnswer(
                    rcode, targets, addresses, ttl, latency, received_at=received_at,
                    sent_at=sent_at,
                )  # fmt: skip
                answers.append((server.name, answer))
            out.append(answers)
        return out

    async def resolve(self, qname: str, client_subnet: str) -> DnsAnswer:
        """Ask every server at once and take the first answer to arrive; the others finish in
        the background, and ``stats`` records which servers answered and which did not."""
        wire = self._wire(qname, client_subnet)
        started = time.monotonic()
        tasks = [asyncio.ensure_future(self._ask_one(wire, ns)) for ns in self.servers]
        last_error = "no answer"
        try:
            for next_done in asyncio.as_completed(tasks):
                result = await next_done
                if isinstance(result, str):
                    last_error = result
                    continue
                (rcode, targets, addresses, ttl), received_at, _ = result
                _log.debug(
                    "dns.answer",
                    qname=qname,
                    client_subnet=client_subnet,
                    rcode=rcode,
                    targets=list(targets),
                    latency_s=round(time.monotonic() - started, 4),
                )
                return DnsAnswer(
                    rcode=rcode,
                    targets=targets,
                    addresses=addresses,
                    ttl=ttl,
                    latency_s=time.monotonic() - started,
                    received_at=received_at,
                )
        finally:
            for task in tasks:
                if not task.done():
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)
        return DnsAnswer(rcode="TIMEOUT", latency_s=time.monotonic() - started, error=last_error)
