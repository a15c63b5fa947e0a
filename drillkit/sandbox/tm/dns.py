"""The authoritative DNS twin's UDP and TCP servers (asyncio) around a :class:`Responder`."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import cast

import structlog

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.tm.dns_answer import Responder

_log = structlog.get_logger("drillkit.sandbox.tm.dns")
_TCP_IDLE_S = 10.0
_TCP_MAX_MESSAGES = 1000
_RCVBUF = 4 * 1024 * 1024
# Largest UDP answer whatever the client's EDNS size: the 2020 DNS flag day value, which
# avoids IP fragmentation. Without EDNS the responder keeps to 512 octets (RFC 1035).
UDP_MAX_PAYLOAD = 1232


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, responder: Responder, faults: FaultInjector | None) -> None:
        self.responder = responder
        self.faults = faults
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if self.faults is not None and self.faults.fails():
            return  # an injected fault: the question is lost
        pause = self.faults.delay() if self.faults is not None else 0.0
        if pause:
            asyncio.get_running_loop().call_later(pause, self._answer, data, addr)
        else:
            self._answer(data, addr)

    def _answer(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        try:
            reply = self.responder.respond(data, str(addr[0]), max_size=UDP_MAX_PAYLOAD)
        except Exception:  # a bug answering one packet must not stop the server
            _log.exception("tm.dns.udp.failed")
            return
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


class DnsServer:
    """Serves one responder over UDP and TCP on the same loopback address and port."""

    def __init__(
        self,
        responder: Responder,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultInjector | None = None,
    ) -> None:
        self.responder = responder
        self.faults = faults
        self.host = host
        self.port = port
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    async def start(self) -> None:
        """Bind TCP first (port 0 picks a free one), then UDP on the same port."""
        loop = asyncio.get_running_loop()
        for _ in range(20):
            tcp = await asyncio.start_server(self._serve_tcp, self.host, self.port)
            port = tcp.sockets[0].getsockname()[1]
            try:
                udp, _ = await loop.create_datagram_endpoint(
                    lambda: _Udp(self.responder, self.faults), local_addr=(self.host, port)
                )
            except OSError:
                tcp.close()
                await tcp.wait_closed()
                if self.port:
                    raise
                continue
            sock = udp.get_extra_info("socket")
            if sock is not None:  # bursts from many vantage points: take what the kernel allows
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            self._tcp, self._udp, self.port = tcp, udp, port
            return
        raise OSError("no free port for both UDP and TCP DNS")

    async def stop(self) -> None:
        """Close both listeners; safe to call twice, and before a failed start is retried."""
        udp, tcp, self._udp, self._tcp = self._udp, self._tcp, None, None
        if udp is not None:
            udp.close()
        if tcp is not None:
            tcp.close()
            await tcp.wait_closed()

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        try:
            for _ in range(_TCP_MAX_MESSAGES):
                header = await asyncio.wait_for(reader.readexactly(2), _TCP_IDLE_S)
                (length,) = struct.unpack("!H", header)
                data = await asyncio.wait_for(reader.readexactly(length), _TCP_IDLE_S)
                if self.faults is not None:
                    if self.faults.fails():
                        break  # an injected fault: the connection drops
                    await asyncio.sleep(self.faults.delay())
                reply = self.responder.respond(data, str(peer[0]))
                if reply is None:
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass
        except Exception:
            _log.exception("tm.dns.tcp.failed")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
