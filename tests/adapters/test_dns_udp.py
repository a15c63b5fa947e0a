"""The pipelined UDP transport of the DNS resolver (issue #17 at scale): ids, re-sends, the
in-flight window and the parsed-answer key, against small loopback servers."""

from __future__ import annotations

import asyncio
from typing import Any

import dns.edns
import dns.message
import pytest

from drillkit.adapters.dns import EcsResolver
from drillkit.adapters.dns_udp import RETRY_S, UdpEndpoint, answer_key

pytestmark = pytest.mark.timeout(30)


class _Server(asyncio.DatagramProtocol):
    """Answers every question with one A record; drops the first copy of each question when
    ``lossy``; counts the most questions it ever held unanswered when ``hold`` delays them."""

    def __init__(self, *, lossy: bool = False, hold: float = 0.0) -> None:
        self.lossy = lossy
        self.hold = hold
        self.seen: set[bytes] = set()
        self.received = 0
        self.open = 0
        self.most_open = 0
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received += 1
        if self.lossy and data not in self.seen:
            self.seen.add(data)
            return
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        asyncio.get_running_loop().call_later(self.hold, self._answer, data, addr)

    def _answer(self, data: bytes, addr: Any) -> None:
        self.open -= 1
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.answer.append(
            dns.rrset.from_text(query.question[0].name, 3, "IN", "A", "192.0.2.1")
        )
        self.transport.sendto(response.to_wire(), addr)


async def _serve(server: _Server) -> tuple[Any, int]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: server, local_addr=("127.0.0.1", 0))
    return transport, transport.get_extra_info("sockname")[1]


def _query(name: str = "myapp.trafficmanager.net.", subnet: str = "24.1.2.0") -> bytes:
    option = dns.edns.ECSOption(subnet, 24)
    return dns.message.make_query(name, "A", use_edns=0, options=[option]).to_wire()


def test_a_lost_question_is_sent_again_and_answered() -> None:
    """A server that drops the first copy of every question still answers each one: the
    transport re-sends after its retry delay instead of giving up or opening a new socket; each
    answer carries when its question was first sent (the server answered after that)."""

    async def ask() -> tuple[list[str], int, int, list[float]]:
        server = _Server(lossy=True)
        transport, port = await _serve(server)
        resolver = EcsResolver([("127.0.0.1", port)], timeout_s=5.0)
        try:
            answers = await asyncio.gather(
                *(resolver.resolve_each("myapp.trafficmanager.net", f"24.1.{i}.0/24")
                  for i in range(20))
            )  # fmt: skip
            endpoint = await resolver._endpoint("127.0.0.1", port)
            waited = [(a.received_at or 0.0) - (a.sent_at or 0.0) for [(_, a)] in answers]
            return (
                [a.addresses[0] for [(_, a)] in answers],
                endpoint.resent,
                server.received,
                waited,
            )
        finally:
            await resolver.aclose()
            transport.close()

    addresses, resent, received, waited = asyncio.run(ask())
    assert addresses == ["192.0.2.1"] * 20
    assert min(waited) >= RETRY_S  # counted from the first copy, which was lost
    assert resent >= 20
    assert received >= 40


def test_no_more_questions_in_flight_than_the_window() -> None:
    """A burst of 200 questions to a server that holds each answer a moment reaches it at most
    ``window`` at a time, and every question is answered."""

    async def ask() -> tuple[int, int]:
        server = _Server(hold=0.01)
        transport, port = await _serve(server)
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(
            lambda: UdpEndpoint(window=16, retry_s=5.0), remote_addr=("127.0.0.1", port)
        )
        try:
            answers = await asyncio.gather(*(endpoint.ask(_query(), 20.0) for _ in range(200)))
            return len(answers), server.most_open
        finally:
            endpoint.transport.close()  # type: ignore[union-attr]
            transport.close()

    answered, most_open = asyncio.run(ask())
    assert answered == 200
    assert most_open <= 16


def test_a_silent_server_times_out_every_question() -> None:
    """Nothing answers: each question fails with TimeoutError at its deadline, and none stays
    pending on the socket."""

    async def ask() -> tuple[list[BaseException | Any], int, int]:
        loop = asyncio.get_running_loop()
        silent = _Server()
        silent.datagram_received = lambda data, addr: None  # type: ignore[method-assign]
        transport, port = await _serve(silent)
        _, endpoint = await loop.create_datagram_endpoint(
            lambda: UdpEndpoint(window=2, retry_s=0.05), remote_addr=("127.0.0.1", port)
        )
        try:
            results = await asyncio.gather(
                *(endpoint.ask(_query(), 0.2) for _ in range(4)), return_exceptions=True
            )
            return results, len(endpoint.pending), len(endpoint.waiting)
        finally:
            endpoint.transport.close()  # type: ignore[union-attr]
            transport.close()

    results, pending, waiting = asyncio.run(ask())
    assert all(isinstance(r, TimeoutError) for r in results)
    assert (pending, waiting) == (0, 0)


def _answer(query: bytes, qid: int, address: str, scope: int = 24) -> bytes:
    message = dns.message.from_wire(query)
    response = dns.message.make_response(message)
    response.id = qid
    option = message.options[0]
    echo = dns.edns.ECSOption(option.address, option.srclen, scope)
    response.use_edns(0, 0, 1232, options=[echo])
    response.answer.append(dns.rrset.from_text(message.question[0].name, 3, "IN", "A", address))
    return response.to_wire()


def test_answers_differing_only_in_id_and_client_subnet_share_a_key() -> None:
    """Two vantage points answered the same region share the parse key; another address, and
    the same answer to another name, do not."""
    a = answer_key(_answer(_query(subnet="24.1.2.0"), 1, "192.0.2.1"))
    b = answer_key(_answer(_query(subnet="128.7.8.0"), 2, "192.0.2.1"))
    c = answer_key(_answer(_query(subnet="24.1.2.0"), 3, "192.0.2.2"))
    d = answer_key(_answer(_query("other.trafficmanager.net.", "24.1.2.0"), 1, "192.0.2.1"))
    assert a is not None and a == b
    assert len({a, c, d}) == 3


def test_a_cut_answer_has_no_key() -> None:
    """An answer cut short inside its records is not given a key (it is parsed, and refused,
    by dnspython instead)."""
    whole = _answer(_query(), 1, "192.0.2.1")
    assert answer_key(whole[:20]) is None
    assert answer_key(whole[:-30]) is None
