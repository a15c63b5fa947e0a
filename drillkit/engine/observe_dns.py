"""One tick's DNS questions for every vantage point, and their answers as vantage samples.

Every name server is asked separately when the resolver can (``resolve_many`` for all vantage
points at once, else ``resolve_each`` per vantage point); a plain ``Resolver`` gets one question
per vantage point. Answers map to regions through a memo: a tick of 1,000 vantage points gets a
handful of distinct answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from drillkit.adapters.ports import DnsAnswer, region_of
from drillkit.engine.samples import ServerAnswer, VantageSample

Answers = list[tuple[str, DnsAnswer]]
"""Each name server's name and its answer, in server order."""


class VantageSampler:
    """Asks the tick's questions and builds its samples (used from the observer's loop only)."""

    def __init__(
        self,
        resolver: Any,
        fqdn: str,
        ingresses: Mapping[str, Sequence[str]],
        wall: Callable[[], float],
    ) -> None:
        self.resolver = resolver
        self.fqdn = fqdn
        self.ingresses = ingresses
        self.wall = wall
        self._regions: dict[tuple[str, ...], str | None] = {}

    def region(self, answer: DnsAnswer) -> str | None:
        key = answer.targets + answer.addresses
        if key not in self._regions:
            if len(self._regions) > 4096:
                self._regions.clear()
            self._regions[key] = region_of(key, self.ingresses)
        return self._regions[key]

    async def ask(
        self, vantage: Sequence[tuple[str, str]], previous: Mapping[str, str | None]
    ) -> tuple[list[VantageSample], int]:
        """Samples of every ``(name, subnet)`` in order, and how many questions were sent;
        ``previous`` is each vantage point's region so far (see :meth:`sample`)."""
        many = getattr(self.resolver, "resolve_many", None)
        if many is not None:
            rows: list[Answers] = await many(self.fqdn, [subnet for _, subnet in vantage])
        else:
            each = getattr(self.resolver, "resolve_each", None)
            if each is None:
                answers = await asyncio.gather(
                    *(self.resolver.resolve(self.fqdn, subnet) for _, subnet in vantage)
                )
                samples = [self._sample(n, a) for (n, _), a in zip(vantage, answers, strict=True)]
                return samples, len(vantage)
            rows = list(await asyncio.gather(*(each(self.fqdn, subnet) for _, subnet in vantage)))
        samples = [
            self.sample(name, row, previous.get(name))
            for (name, _), row in zip(vantage, rows, strict=True)
        ]
        return samples, sum(len(row) for row in rows)

    def sample(self, name: str, answers: Answers, previous: str | None) -> VantageSample:
        """One vantage point's sample from each server's answer.

        The vantage point's own answer is what a client may get: its resolver can reach any
        server, so it keeps the previous region while any server still answers it, and moves
        when every server has (its flip is the "all servers flipped" instant)."""
        servers = tuple(
            ServerAnswer(
                server=server,
                at=round(a.received_at or self.wall(), 6),
                region=self.region(a),
                rcode=a.rcode,
                sent=None if a.sent_at is None else round(a.sent_at, 6),
            )
            for server, a in answers
        )
        good = sorted(
            ((a.received_at or 0.0, s, a) for (_, a), s in zip(answers, servers, strict=True)),
            key=lambda t: t[0],
        )
        good = [t for t in good if t[2].error is None]
        held = [t for t in good if previous is not None and t[1].region == previous]
        chosen = (held or good or [(0.0, servers[0], answers[0][1])])[0][2]
        return self._sample(name, chosen, servers)

    def _sample(
        self, name: str, answer: DnsAnswer, servers: tuple[ServerAnswer, ...] = ()
    ) -> VantageSample:
        return VantageSample(
            name=name,
            at=round(answer.received_at or self.wall(), 6),
            region=self.region(answer),
            rcode=answer.rcode,
            answer=" ".join(answer.targets or answer.addresses) or (answer.error or ""),
            ttl=answer.ttl,
            servers=servers,
        )
