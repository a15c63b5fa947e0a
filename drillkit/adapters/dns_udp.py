"""One UDP socket per name server, many questions in flight on it (issue #17, at scale).

Questions are matched to answers by message id, so a late answer can never be taken for another
question and a lost datagram costs one question, never the socket. A question unanswered after
the retransmission timeout is sent again (same id, same bytes) until its deadline; that timeout
follows the server's round-trip time as TCP's does (RFC 6298: smoothed RTT + 4 x its variation,
never below ``retry_s``, no sample from a re-sent question), so that a busy server answering
slowly is not sent every question twice. At most ``window``
questions are in flight per server; the rest wait their turn, so a burst of thousands is
spread over the time the server takes to answer instead of overflowing a receive buffer.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import secrets
import socket
from typing import Any, cast

from drillkit.adapters.clock import anchored_wall

RECEIVE_BUFFER = 4 * 1024 * 1024
"""Bytes asked for the socket's receive buffer (the kernel caps it at net.core.rmem_max):
the default (~200 KiB) holds a few hundred answers, fewer than one tick of 1,000 vantage
points brings back, and answers the loop has not read yet were dropped there."""
WINDOW = 256
"""Questions in flight per server: enough to keep a loopback or remote server busy."""
RETRY_S = 0.25
"""Re-send a question unanswered this long at least (a lost datagram, not a slow server)."""

Answer = tuple[bytes, float, float]
"""The answer's bytes, the anchored wall time it arrived and the one its question was first
sent: the server produced it somewhere between the two."""


class _Question:
    __slots__ = ("asked_at", "deadline", "future", "handle", "qid", "sent_at", "tries", "wire")

    def __init__(self, qid: int, wire: bytes, future: asyncio.Future[Answer], deadline: float):
        self.qid = qid
        self.wire = wire
        self.future = future
        self.deadline = deadline
        self.handle: asyncio.TimerHandle | None = None
        self.sent_at = 0.0
        self.asked_at: float | None = None
        self.tries = 0


class UdpEndpoint(asyncio.DatagramProtocol):
    """One connected UDP socket to one server; ``ask`` returns the answer to one question."""

    def __init__(self, *, window: int = WINDOW, retry_s: float = RETRY_S) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.window = window
        self.retry_s = retry_s
        self.pending: dict[int, _Question] = {}
        self.waiting: collections.deque[_Question] = collections.deque()
        self.sent = 0
        self.resent = 0
        self.srtt: float | None = None
        self.rttvar = 0.0
        self._next = secrets.randbelow(0x10000)
        self._loop = asyncio.get_running_loop()

    # ------------------------------------------------------------- protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < 12:
            return
        question = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if question is None:
            return  # a duplicate, or the answer to a question given up on
        if question.handle is not None:
            question.handle.cancel()
        if not question.future.done():
            asked = question.asked_at
            received = anchored_wall()
            question.future.set_result((data, received, received if asked is None else asked))
        if question.tries == 1:
            self._sample_rtt(self._loop.time() - question.sent_at)
        self._send_waiting()

    def _sample_rtt(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt

    @property
    def rto(self) -> float:
        """Seconds before an unanswered question is sent again."""
        if self.srtt is None:
            return self.retry_s
        return max(self.retry_s, self.srtt + 4 * self.rttvar)

    def error_received(self, exc: Exception) -> None:
        """An ICMP error (nothing listens there): every question in flight fails now."""
        for question in [*self.pending.values(), *self.waiting]:
            if question.handle is not None:
                question.handle.cancel()
            if not question.future.done():
                question.future.set_exception(exc)
        self.pending.clear()
        self.waiting.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        for question in [*self.pending.values(), *self.waiting]:
            if question.handle is not None:
                question.handle.cancel()
            question.future.cancel()
        self.pending.clear()
        self.waiting.clear()

    # ------------------------------------------------------------- questions

    def ask(self, wire: bytes, timeout_s: float) -> asyncio.Future[Answer]:
        """A future for the answer to ``wire`` (its id is replaced), failing with TimeoutError
        after ``timeout_s``."""
        future: asyncio.Future[Answer] = self._loop.create_future()
        question = _Question(-1, wire, future, self._loop.time() + timeout_s)
        if len(self.pending) < self.window:
            self._send(question)
        else:
            self.waiting.append(question)
            question.handle = self._loop.call_at(question.deadline, self._expire, question)
        return future

    def _new_id(self) -> int:
        for _ in range(0x10000):
            self._next = (self._next + 1) & 0xFFFF
            if self._next not in self.pending:
                return self._next
        raise RuntimeError("65536 DNS questions in flight")

    def _send(self, question: _Question) -> None:
        if question.handle is not None:
            question.handle.cancel()
        question.qid = self._new_id()
        question.wire = question.qid.to_bytes(2, "big") + question.wire[2:]
        self.pending[question.qid] = question
        self._transmit(question)

    def _transmit(self, question: _Question) -> None:
        assert self.transport is not None
        self.sent += 1
        question.tries += 1
        question.sent_at = self._loop.time()
        if question.asked_at is None:
            question.asked_at = anchored_wall()
        self.transport.sendto(question.wire)
        retry_at = min(question.sent_at + self.rto * question.tries, question.deadline)
        question.handle = self._loop.call_at(retry_at, self._retry, question)

    def _retry(self, question: _Question) -> None:
        if self.pending.get(question.qid) is not question:
            return
        if question.future.done() or self._loop.time() >= question.deadline:
            self._expire(question)
            return
        self.resent += 1
        self._transmit(question)

    def _expire(self, question: _Question) -> None:
        if self.pending.get(question.qid) is question:
            del self.pending[question.qid]
        else:
            with contextlib.suppress(ValueError):
                self.waiting.remove(question)
        if not question.future.done():
            question.future.set_exception(TimeoutError("no answer"))
        self._send_waiting()

    def _send_waiting(self) -> None:
        while self.waiting and len(self.pending) < self.window:
            question = self.waiting.popleft()
            if not question.future.done():
                self._send(question)


def answer_key(data: bytes) -> bytes | None:
    """The part of an answer that says what it answers: flags, counts, question, answer and
    authority sections, without the id and the additional section (where the EDNS Client Subnet
    option echoes each vantage point's own subnet). None when the message is malformed.

    Answers to vantage points in the same region share this key, so each distinct answer is
    parsed once rather than once per vantage point."""
    try:
        qdcount = int.from_bytes(data[4:6], "big")
        records = int.from_bytes(data[6:8], "big") + int.from_bytes(data[8:10], "big")
        at = 12
        for _ in range(qdcount):
            at = _skip_name(data, at) + 4
        for _ in range(records):
            at = _skip_name(data, at) + 8
            length = int.from_bytes(data[at : at + 2], "big")
            at += 2 + length
        if at > len(data):
            return None
    except IndexError:
        return None
    return data[2:10] + data[12:at]


def _skip_name(data: bytes, at: int) -> int:
    """The offset just past the (possibly compressed) name at ``at``."""
    while True:
        length = data[at]
        if length == 0:
            return at + 1
        if length & 0xC0 == 0xC0:
            return at + 2
        at += 1 + length
