"""The DNS twin's fast path for questions that differ only in their client subnet.

Thousands of vantage points ask the same name with different EDNS Client Subnet options. When
the answer does not depend on the address itself (only on where the locator puts it), one
finished answer serves every subnet placed alike: the echoed option's address bytes are the last
bytes of the response, so the answer is the template with its id and those bytes replaced.
A change of the twin's state clears the templates with the other caches.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from drillkit.sandbox.tm.routing import IpAddress

_OPT = 41
_ECS = 8


@dataclass(frozen=True, slots=True)
class EcsQuery:
    """A query whose last bytes are one ECS option's address."""

    head: bytes
    """Everything after the id and before the address bytes."""
    address: bytes
    """The address bytes as echoed (cut to the source prefix, host bits cleared)."""
    client: IpAddress


def ecs_query(wire: bytes) -> EcsQuery | None:
    """Split ``wire`` when it is one question with no answer or authority records and one OPT
    record whose only option is an ECS option with a non-zero source prefix, at the very end
    of the message; None otherwise (the slow path handles every other shape)."""
    if len(wire) < 12 or wire[2] & 0x80:
        return None
    counts = [int.from_bytes(wire[i : i + 2], "big") for i in (4, 6, 8, 10)]
    if counts != [1, 0, 0, 1]:
        return None
    at = 12
    while True:  # the question's name, uncompressed in a query
        if at >= len(wire):
            return None
        length = wire[at]
        if length == 0:
            at += 1
            break
        if length & 0xC0:
            return None
        at += 1 + length
    at += 4
    if wire[at : at + 3] != b"\x00\x00\x29":  # root name, type OPT
        return None
    rdlength = int.from_bytes(wire[at + 9 : at + 11], "big")
    option = at + 11
    if option + rdlength != len(wire) or rdlength < 8:
        return None
    code, size = (int.from_bytes(wire[option + i : option + i + 2], "big") for i in (0, 2))
    if code != _ECS or size != rdlength - 4:
        return None
    family, srclen = int.from_bytes(wire[option + 4 : option + 6], "big"), wire[option + 6]
    width = {1: 4, 2: 16}.get(family)
    start = option + 8
    if width is None or srclen == 0 or srclen > width * 8 or len(wire) - start != -(-srclen // 8):
        return None
    raw = bytearray(wire[start:])
    if srclen % 8:
        raw[-1] &= (0xFF << (8 - srclen % 8)) & 0xFF
    address = bytes(raw)
    client = ipaddress.ip_address(address + bytes(width - len(address)))
    return EcsQuery(wire[2:start], address, client)
