"""Ground truth: every endpoint monitor-status change and every DNS answer change per subnet."""

from __future__ import annotations

import collections
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drillkit.sandbox.tm import monitor
from drillkit.sandbox.tm.dns_answer import Locator, Responder
from drillkit.sandbox.tm.routing import IpAddress
from drillkit.sandbox.tm.state import DNS_ZONE, Store

ENDPOINT_CHANGED = "endpoint-status-changed"
DNS_CHANGED = "dns-answer-changed"


@dataclass(frozen=True)
class Vantage:
    """A client subnet the world knows, queried as its network address."""

    subnet: str
    name: str | None = None


class GroundTruth:
    """Recomputes statuses and answers after every store change and records the differences."""

    def __init__(
        self,
        store: Store,
        responder: Responder,
        vantages: list[Vantage],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.responder = responder
        self.vantages = vantages
        self.clock = clock
        self.events: collections.deque[dict[str, Any]] = collections.deque(maxlen=100_000)
        self._statuses: dict[tuple[str, str, str], str] = {}
        self._answers: dict[tuple[str, str], str] = {}

    def start(self) -> None:
        """Take the first snapshot and follow every later change."""
        self.refresh()
        self.store.subscribe(self.refresh)

    def refresh(self) -> None:
        """Record every change since the previous refresh, stamped now."""
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
        answers: dict[tuple[str, str], str] = {}
        locator: Locator = self.responder.locator
        for profile in self.store.profiles.values():
            relative = profile.relative_name
            for vantage in self.vantages:
                address = _network_address(vantage.subnet)
                answer = self.responder.answer_text(relative, locator.locate(address))
                answers[(relative, vantage.subnet)] = answer
                before = self._answers.get((relative, vantage.subnet))
                if before != answer:
                    self.events.append({
                        "at": at, "kind": DNS_CHANGED, "subnet": vantage.subnet,
                        "from": before, "to": answer, "profile": profile.name,
                        "fqdn": f"{relative}.{DNS_ZONE}", "vantage": vantage.name,
                    })  # fmt: skip
        self._answers = answers

    def since(self, at: float = 0.0) -> list[dict[str, Any]]:
        """Events stamped at or after ``at``, oldest first."""
        return [e for e in self.events if e["at"] >= at]


def _network_address(subnet: str) -> IpAddress:
    return ipaddress.ip_network(subnet, strict=False).network_address
