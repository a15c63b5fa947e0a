"""DNS questions with EDNS Client Subnet (RFC 7871), asked straight to authoritative servers."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import structlog

from drillkit.adapters.clock import anchored_wall
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


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket to one name server; answers are matched to questions by message id."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, asyncio.Future[tuple[bytes, float]]] = {}
        self._next = secrets.randbelow(0x10000)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < 2:
            return
        future = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if future is not None and not future.done():
            future.set_result((data, anchored_wall()))

    def error_received(self, exc: Exception) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(exc)
        self.pending.clear()

    def new_id(self) -> int:
        for _ in range(0x10000):
            self._next = (self._next + 1) & 0xFFFF
            if self._next not in self.pending:
                return self._next
        raise RuntimeError("65536 DNS questions in flight")


class EcsResolver:
    """``Resolver`` over one shared UDP socket per name server (TCP on truncation), one ECS
    option per question. Questions are built once per subnet; only the id changes."""

    def __init__(
        self, nameservers: Sequence[tuple[str, int] | NameServer], timeout_s: float = 2.0
    ) -> None:
        if not nameservers:
            raise PreflightRefused("no name server to ask; set observe.nameservers in the drill")
        # Imported here, not at the first question, so that no import stalls the polling loop.
        import dns.asyncquery
        import dns.edns
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rdatatype  # noqa: F401

        self.servers = [
            ns if isinstance(ns, NameServer) else NameServer(ns[0], ns[0], int(ns[1]))
            for ns in nameservers
        ]
        self.stats = {ns.key: ServerStats() for ns in self.servers}
        self._background: set[asyncio.Future[tuple[_Summary, float] | str]] = set()
        self._timeout = timeout_s
        self._endpoints: dict[tuple[int, str, int], asyncio.Task[_Endpoint]] = {}
        self._wires: dict[tuple[str, str], bytes] = {}
        self._retired: list[_Endpoint] = []
        self._parsed: OrderedDict[bytes, _Summary] = OrderedDict()

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

    async def _endpoint(self, host: str, port: int) -> _Endpoint:
        """This loop's socket to ``host:port``, created once even under concurrent first use."""
        loop = asyncio.get_running_loop()
        key = (id(loop), host, port)
        task = self._endpoints.get(key)
        if task is None:
            task = loop.create_task(self._open(host, port))
            self._endpoints[key] = task
        return await asyncio.shield(task)

    @staticmethod
    async def _open(host: str, port: int) -> _Endpoint:
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(_Endpoint, remote_addr=(host, port))
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
        for endpoint in self._retired:
            if endpoint.transport is not None:
                endpoint.transport.close()
        self._retired.clear()
        await asyncio.sleep(0)  # let the transports finish closing

    def _parse_udp(self, data: bytes) -> _Summary | None:
        """The answer's summary (None when truncated). Answers that differ only in their id
        are parsed once: hundreds of vantage points mostly get a handful of distinct answers."""
        import dns.flags
        import dns.message

        key = data[2:]
        cached = self._parsed.get(key)
        if cached is not None:
            self._parsed.move_to_end(key)
            return cached
        message = dns.message.from_wire(data)
        if message.flags & dns.flags.TC:
            return None
        summary = _summary(message)
        self._parsed[key] = summary
        if len(self._parsed) > PARSED_CACHE:
            self._parsed.popitem(last=False)
        return summary

    async def _ask(self, wire: bytes, host: str, port: int) -> tuple[bytes, float]:
        endpoint = await self._endpoint(host, port)
        qid = endpoint.new_id()
        future: asyncio.Future[tuple[bytes, float]] = asyncio.get_running_loop().create_future()
        endpoint.pending[qid] = future
        assert endpoint.transport is not None
        endpoint.transport.sendto(qid.to_bytes(2, "big") + wire[2:])
        try:
            return await asyncio.wait_for(future, self._timeout / 2)
        except TimeoutError:
            self._drop(host, port, endpoint)
            raise
        finally:
            endpoint.pending.pop(qid, None)

    def _drop(self, host: str, port: int, endpoint: _Endpoint) -> None:
        """Forget a socket whose question went unanswered: the next one opens a fresh socket."""
        key = (id(asyncio.get_running_loop()), host, port)
        task = self._endpoints.get(key)
        if task is not None and task.done() and not task.exception() and task.result() is endpoint:
            del self._endpoints[key]
            if endpoint.transport is not None and not endpoint.pending:
                endpoint.transport.close()
            else:
                self._retired.append(endpoint)

    async def _ask_one(self, wire: bytes, server: NameServer) -> tuple[_Summary, float] | str:
        """One server's summary and arrival time, or the error text; counted in ``stats``."""
        import dns.asyncquery
        import dns.exception
        import dns.message

        host, port = server.address, server.port
        stats = self.stats[server.key]
        try:
            try:
                data, received_at = await self._ask(wire, host, port)
                summary = self._parse_udp(data)
            except TimeoutError:
                summary = None  # a lost datagram: ask once more, over TCP
            if summary is None:
                message = await dns.asyncquery.tcp(
                    dns.message.from_wire(wire), host, port=port, timeout=self._timeout / 2
                )
                received_at = anchored_wall()
                summary = _summary(message)
        except (dns.exception.DNSException, OSError, TimeoutError) as e:
            stats.failed += 1
            stats.last_error = short(f"{server.key}: {e!r}", 200)
            return stats.last_error
        stats.answered += 1
        return summary, received_at

    async def resolve_each(self, qname: str, client_subnet: str) -> list[tuple[str, DnsAnswer]]:
        """Ask every server the same question separately (issue #17: each server flips on its
        own): each server's name and its answer (or error), in server order."""
        wire = self._wire(qname, client_subnet)
        started = time.monotonic()
        results = await asyncio.gather(*(self._ask_one(wire, ns) for ns in self.servers))
        latency = time.monotonic() - started
        out: list[tuple[str, DnsAnswer]] = []
        for server, result in zip(self.servers, results, strict=True):
            if isinstance(result, str):
                out.append((server.name, DnsAnswer("TIMEOUT", latency_s=latency, error=result)))
                continue
            (rcode, targets, addresses, ttl), received_at = result
            answer = DnsAnswer(rcode, targets, addresses, ttl, latency, received_at=received_at)
            out.append((server.name, answer))
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
                (rcode, targets, addresses, ttl), received_at = result
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
