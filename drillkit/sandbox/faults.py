"""Fault knobs for the sandbox components: a share of requests fail (429/500/503), all get
latency, or (blackout) every request fails; optionally only for a while.

``FaultInjector.rate`` (0..1), ``latency_ms`` and ``blackout`` are plain mutable attributes, so an
admin endpoint or a test can turn them at any time; ``set(..., duration_s=...)`` makes them lapse
on their own. Each HTTP API builds its middleware with its own error body (Kubernetes ``Status``
for the kube twin, ARM ``{"error": ...}`` for the ARM twin); the DNS servers and the prober ask
``fails()`` and ``delay()`` directly.

Discovery and health paths are spared from injected errors by the kube twin (its ``spare``
predicate): kubectl and client-go treat a failed discovery as fatal for the whole command
rather than retrying, so errors there would test kubectl, not drillkit. They still get latency.
A blackout spares nothing: it is the component being down.

The middleware also counts the requests it sees (``requests``, by a label such as
``"GET pods"``), so that a benchmark can read an API's request count from the admin endpoint.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BodyFactory = Callable[[int, web.Request], dict[str, Any]]
FAULT_CODES = (429, 500, 503)


class FaultInjector:
    """How often and how slowly an API misbehaves; safe to change while serving."""

    def __init__(
        self,
        rate: float = 0.0,
        latency_ms: float = 0.0,
        rng: random.Random | None = None,
        codes: tuple[int, ...] = FAULT_CODES,
    ) -> None:
        self.rate = rate
        self.latency_ms = latency_ms
        self.blackout = False
        self.until: float | None = None  # time.monotonic() when the knobs lapse
        self.rng = rng or random.Random()
        self.codes = codes
        self.injected = 0
        self.requests: Counter[str] = Counter()
        """Requests the middleware saw, by label (served, failed or delayed alike)."""

    def set(
        self,
        rate: float | None = None,
        latency_ms: float | None = None,
        blackout: bool | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Change the knobs (clamped to their ranges); with ``duration_s`` they lapse after it."""
        if rate is not None:
            self.rate = min(1.0, max(0.0, rate))
        if latency_ms is not None:
            self.latency_ms = max(0.0, latency_ms)
        if blackout is not None:
            self.blackout = blackout
        self.until = time.monotonic() + duration_s if duration_s is not None else None

    def clear(self) -> None:
        """No faults, no latency."""
        self.rate, self.latency_ms, self.blackout, self.until = 0.0, 0.0, False, None

    def _lapse(self) -> None:
        if self.until is not None and time.monotonic() >= self.until:
            self.clear()

    def knobs(self) -> dict[str, Any]:
        """The admin view of these knobs."""
        self._lapse()
        left = None if self.until is None else round(max(0.0, self.until - time.monotonic()), 3)
        return {
            "rate": self.rate,
            "latencyMs": self.latency_ms,
            "blackout": self.blackout,
            "remainingS": left,
        }

    def in_blackout(self) -> bool:
        """Whether every request fails right now."""
        self._lapse()
        return self.blackout

    def fails(self) -> bool:
        """Whether this request (query, probe) fails: always in a blackout, else at ``rate``."""
        self._lapse()
        if self.blackout or (self.rate > 0 and self.rng.random() < self.rate):
            self.injected += 1
            return True
        return False

    def pick(self) -> int | None:
        """The status code to answer with for this request, or None to serve it."""
        self._lapse()
        if self.blackout:
            self.injected += 1
            return 503
        if self.rate > 0 and self.rng.random() < self.rate:
            self.injected += 1
            return self.rng.choice(self.codes)
        return None

    def delay(self) -> float:
        """Seconds to wait before serving: uniform in [0, latency_ms]."""
        self._lapse()
        return self.rng.uniform(0, self.latency_ms) / 1000 if self.latency_ms > 0 else 0.0

    def middleware(
        self,
        body: BodyFactory,
        spare: Callable[[web.Request], bool] = lambda _request: False,
        label: Callable[[web.Request], str] = lambda request: request.method,
    ) -> Middleware:
        """An aiohttp middleware applying these knobs; ``spare`` requests never fail; every
        request is counted in ``requests`` under its ``label``."""

        @web.middleware
        async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.requests[label(request)] += 1
            pause = self.delay()
            if pause:
                await asyncio.sleep(pause)
            code = None if spare(request) and not self.in_blackout() else self.pick()
            if code is None:
                return await handler(request)
            headers = {"Retry-After": "1"} if code == 429 else {}
            return web.Response(
                body=json.dumps(body(code, request)).encode(),
                status=code,
                headers=headers,
                content_type="application/json",
            )

        return inject


class LayeredInjector(FaultInjector):
    """One component's own knobs on top of a shared injector: a request fails if either says so,
    and waits the longer of the two delays (a kube twin's ``kube:<region>`` over ``kube``)."""

    def __init__(self, base: FaultInjector, rng: random.Random | None = None) -> None:
        super().__init__(rng=rng)
        self.base = base

    def in_blackout(self) -> bool:
        return super().in_blackout() or self.base.in_blackout()

    def fails(self) -> bool:
        return super().fails() or self.base.fails()

    def pick(self) -> int | None:
        own = super().pick()
        return own if own is not None else self.base.pick()

    def delay(self) -> float:
        return max(super().delay(), self.base.delay())
