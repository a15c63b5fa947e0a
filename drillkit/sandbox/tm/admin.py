"""The admin endpoint: ground-truth events and the fault knobs shared by the kube and ARM twins.

``GET /events[?since=EPOCH]``, ``GET /faults``, ``POST /faults {"rate", "latencyMs"}``,
``DELETE /faults``. No authentication: it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from drillkit.sandbox.tm.events import GroundTruth


class FaultKnobs(Protocol):
    """What the admin endpoint turns: the share of failed requests and the added latency."""

    rate: float
    latency_ms: float


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"code": "BadRequest", "message": message}}, status=status)


def admin_app(truth: GroundTruth, injectors: Sequence[FaultKnobs]) -> web.Application:
    """The aiohttp application of the admin endpoint; the knobs turn every injector at once."""
    faults = injectors[0] if injectors else None

    async def events(request: web.Request) -> web.Response:
        try:
            since = float(request.query.get("since", "0"))
        except ValueError:
            return _error(400, "'since' must be Unix epoch seconds.")
        return web.json_response({"events": truth.since(since)})

    def knobs() -> web.Response:
        assert faults is not None
        return web.json_response({"rate": faults.rate, "latencyMs": faults.latency_ms})

    async def get_faults(request: web.Request) -> web.Response:
        if faults is None:
            return _error(404, "This sandbox was started without fault injection.")
        return knobs()

    async def post_faults(request: web.Request) -> web.Response:
        if faults is None:
            return _error(404, "This sandbox was started without fault injection.")
        try:
            body = json.loads(await request.read() or b"{}")
            rate = float(body.get("rate", 0.0))
            latency = float(body.get("latencyMs", 0.0))
        except (ValueError, TypeError, AttributeError):
            return _error(400, 'Send {"rate": 0..1, "latencyMs": >= 0}.')
        if not 0.0 <= rate <= 1.0 or latency < 0:
            return _error(400, "'rate' must be within 0..1 and 'latencyMs' at least 0.")
        for injector in injectors:
            injector.rate, injector.latency_ms = rate, latency
        return knobs()

    async def delete_faults(request: web.Request) -> web.Response:
        if faults is None:
            return _error(404, "This sandbox was started without fault injection.")
        for injector in injectors:
            injector.rate, injector.latency_ms = 0.0, 0.0
        return knobs()

    app = web.Application()
    app.router.add_get("/events", events)
    app.router.add_get("/faults", get_faults)
    app.router.add_post("/faults", post_faults)
    app.router.add_delete("/faults", delete_faults)
    return app
