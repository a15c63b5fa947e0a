"""The DNS twin's fast path (issue #17 at scale): an answer reused for subnets placed alike is
byte for byte the answer the full path builds, and odd query shapes take the full path."""

from __future__ import annotations

import dns.edns
import dns.message

from drillkit.sandbox.tm.dns_fast import ecs_query
from tests.twin.tm.conftest import TwinThread

SUBNETS = [
    "24.1.2.0/24", "24.1.3.0/24", "24.9.0.0/16", "128.7.8.0/24", "128.7.9.128/25",
    "203.0.113.0/24", "2001:db8::/48", "2001:db8:1::/56", "24.1.2.0/20",
]  # fmt: skip


def _wire(name: str, subnet: str, qid: int) -> bytes:
    address, prefix = subnet.split("/")
    query = dns.message.make_query(
        name, "A", use_edns=0, options=[dns.edns.ECSOption(address, int(prefix))]
    )
    query.id = qid
    return query.to_wire()


def test_reused_answers_equal_the_full_path(twin: TwinThread) -> None:
    """Every name the twin serves, asked for subnets in North America, Europe, elsewhere and
    IPv6: the answer served (from a template after the first of each place) equals, byte for
    byte, the one the full path builds for that very query."""

    def compare(t: object) -> list[tuple[str, str]]:
        responder = t.nameservers.primary.responder  # type: ignore[attr-defined]
        names = [f"{p.relative_name}.trafficmanager.net" for p in responder.store.profiles.values()]
        names += ["trafficmanager.net", "us.ingress.sandbox.test", "nope.trafficmanager.net"]
        differ = []
        for round_ in range(2):
            for i, subnet in enumerate(SUBNETS):
                for name in names:
                    wire = _wire(name, subnet, 1000 * round_ + i)
                    served = responder.respond(wire, "127.0.0.1", 1232)
                    built = responder._respond(wire, "127.0.0.1", 1232)
                    if served != built:
                        differ.append((name, subnet))
        return differ

    assert twin.call(compare) == []


def test_only_plain_ecs_questions_take_the_fast_path() -> None:
    """A question with a client subnet at its end is split; one without EDNS, with a zero
    source prefix, with a second option or cut short is left to the full path."""
    plain = _wire("myapp.trafficmanager.net", "24.1.2.0/24", 7)
    split = ecs_query(plain)
    assert split is not None and split.address == bytes([24, 1, 2])
    assert str(split.client) == "24.1.2.0"
    bare = dns.message.make_query("myapp.trafficmanager.net", "A").to_wire()
    zero = _wire("myapp.trafficmanager.net", "0.0.0.0/0", 7)
    two = dns.message.make_query(
        "myapp.trafficmanager.net", "A", use_edns=0,
        options=[dns.edns.ECSOption("24.1.2.0", 24), dns.edns.GenericOption(65001, b"x")],
    ).to_wire()  # fmt: skip
    assert [ecs_query(w) for w in (bare, zero, two, plain[:-1], plain[:20])] == [None] * 5
