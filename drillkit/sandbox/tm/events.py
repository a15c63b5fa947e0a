"""Ground truth: every endpoint monitor-status change, and every DNS answer change per name
server, world subnet and profile, stamped with Unix time.

Kinds: ``endpoint-status-changed`` (the control plane: probes and ARM writes);
``dns-server-answer-changed`` (one name server's answer changed; ``server`` names it and
``decidedAt`` is when the control plane made the change it now serves); ``dns-answer-changed``
(the same, for the primary server, the one world.json's ``dns.host``/``dns.port`` name).
"""

from __future__ import annotations

import collections
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.dns_answer import Responder
from drillkit.sandbox.tm.routing import IpAddress
from drillkit.sandbox.tm.state import DNS_ZONE, Store

ENDPOINT_CHANGED = "endpoint-status-changed"
DNS_CHANGED = "dns-answer-changed"
SERVER_DNS_CHANGED = "dns-server-answer-changed"


@dataclass(frozen=True)
class Vantage:
    """A client subnet the world knows, queried as its network address."""

    subnet: str
    name: str | None = None


class GroundTruth:
    """Records status changes of the control plane and answer changes of each name server."""

    def __init__(
        self,
        store: Store,
        vantages: list[Vantage],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.vantages = vantages
        self.clock = clock
        self.events: collections.deque[dict[str, Any]] = collections.deque(maxlen=100_000)
        self._statuses: dict[tuple[str, str, str], str] = {}

    def follow_statuses(self) -> None:
        """Take the first snapshot of endpoint statuses and follow every later change."""
        self._refresh_statuses()
        self.store.subscribe(self._refresh_statuses)

    def follow_answers(
        self,
        responder: Responder,
        server: str,
        *,
        primary: bool,
        decided: Callable[[], float | None] = lambda: None,
    ) -> None:
        """Follow one name server's answers (its responder over its own copy of the store)."""
        answers: dict[tuple[str, str], str] = {}

        def refresh() -> None:
            at = self.clock()
            locator = responder.locator
            for profile in responder.store.profiles.values():
                relative = profile.relative_name
                for vantage in self.vantages:
                    address = _network_address(vantage.subnet)
                    answer = responder.answer_text(relative, locator.locate(address))
                    before = answers.get((relative, vantage.subnet))
                    answers[(relative, vantage.subnet)] = answer
                    if before == answer:
                        continue
                    event = {
                        "at": at, "kind": SERVER_DNS_CHANGED, "subnet": vantage.subnet,
                        "from": before, "to": answer, "profile": profile.name,
                        "fqdn": f"{relative}.{DNS_ZONE}", "vantage": vantage.name,
                        "server": server, "decidedAt": decided(),
                    }  # fmt: skip
                    self.events.append(event)
                    if primary:
                        self.events.append({**event, "kind": DNS_CHANGED})

        refresh()
        responder.store.subscribe(refresh)

    def _refresh_statuses(self) -> None:
        at = self.clock()
        statuses: dict[tuple[str, str, str], str] = {}
        for profile in self.store.profiles.values():
            for endpoint in profile.endpoints:
                status = monitor.endpoint_status(self.store, profile, endpoint)
                statuses[(profile.name, endpoint.kind, endpoint.name)] = status
        for (profile_name, kind, name), status in statuses.items():
            before = self._statuses.get((profile_name, kind, name))
            if before != status:
                self.events.append({
                    "at": at, "kind": ENDPOINT_CHANGED, "subnet": None, "from": before,
                    "to": status, "profile": profile_name, "endpoint": name, "endpointType": kind,
                })  # fmt: skip
        self._statuses = statuses

    def since(self, at: float = 0.0) -> list[dict[str, Any]]:
        """Events stamped at or after ``at``, oldest first."""
        return [e for e in self.events if e["at"] >= at]


def _network_address(subnet: str) -> IpAddress:
    return ipaddress.ip_network(subnet, strict=False).network_address
