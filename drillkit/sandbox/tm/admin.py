"""The admin endpoint: ground-truth events and per-component fault knobs. Every request needs
``Authorization: Bearer <admin.token>`` (the token is in world.json, which is 0600).

``GET /events[?since=EPOCH]``; ``GET /faults``; ``POST /faults {"target", "rate", "latencyMs",
"blackout", "duration"}``; ``DELETE /faults[?target=...]``. Targets: ``kube[:<region>]``,
``arm``, ``dns[:<server>]`` (a server by its name or its first label: ``dns:tm2``),
``ingress[:<region>]``, ``prober``. Without a target a POST turns every kube twin and ARM, as
before targets existed. ``duration`` ("30s" or seconds) makes the knobs lapse on their own.

``GET /requests[?target=...]`` counts the HTTP requests each API has seen since start-up (or
since ``DELETE /requests[?target=...]``), in total and by label (``"GET pods"``,
``"POST pods/eviction"`` for a kube twin; the method elsewhere).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.tm.events import GroundTruth
from drillkit.spec.durations import Duration

LEGACY = ("kube", "arm")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]  # what an untargeted POST turns


def _error(status: int, message: str, code: str = "BadRequest") -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def select(injectors: Mapping[str, FaultInjector], target: str | None) -> list[str]:
    """The injector names a target means (empty when it means nothing)."""
    if target is None:
        return [n for n in injectors if n.split(":", 1)[0] in LEGACY]
    if target in injectors:
        return [target]
    if ":" not in target:
        return [n for n in injectors if n.split(":", 1)[0] == target]
    group = target.partition(":")[0]
    return [n for n in injectors if n.startswith(f"{group}:") and n.split(".")[0] == target]


def _duration(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return float(Duration.parse(value))
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("'duration' must be a positive number of seconds or a duration")
    return float(value)


def admin_app(
    truth: GroundTruth,
    injectors: Mapping[str, FaultInjector],
    token: str,
    shared: Sequence[FaultInjector] = (),
) -> web.Application:
    """The aiohttp application of the admin endpoint; an untargeted DELETE also clears the
    ``shared`` injectors the targets are layered over (the start-up ``--fault-rate`` knobs)."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return _error(401, "Send the twin's admin token (world.json admin.token) as "
                          "'Authorization: Bearer <token>'.", "Unauthorized")  # fmt: skip
        return await handler(request)

    def view(names: list[str]) -> web.Response:
        legacy = next((injectors[n] for n in select(injectors, None)), None)
        body: dict[str, Any] = {"targets": {n: injectors[n].knobs() for n in names}}
        if legacy is not None:
            body.update(rate=legacy.rate, latencyMs=legacy.latency_ms)
        return web.json_response(body)

    async def events(request: web.Request) -> web.Response:
        try:
            since = float(request.query.get("since", "0"))
        except ValueError:
            return _error(400, "'since' must be Unix epoch seconds.")
        return web.json_response({"events": truth.since(since)})

    async def get_faults(request: web.Request) -> web.Response:
        return view(sorted(injectors))

    async def post_faults(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read() or b"{}")
            target = body.get("target")
            rate = float(body.get("rate", 0.0))
            latency = float(body.get("latencyMs", 0.0))
            blackout = body.get("blackout", False)
            duration = _duration(body.get("duration"))
        except (ValueError, TypeError, AttributeError) as e:
            return _error(
                400, f'Send {{"target", "rate", "latencyMs", "blackout", "duration"}}: {e}'
            )
        if not 0.0 <= rate <= 1.0 or latency < 0 or not isinstance(blackout, bool):
            return _error(400, "'rate' must be within 0..1, 'latencyMs' at least 0 and "
                          "'blackout' true or false.")  # fmt: skip
        names = select(injectors, target if target is None else str(target))
        if not names:
            known = ", ".join(sorted({*injectors, *(n.split(":")[0] for n in injectors)}))
            return _error(400, f"Unknown fault target {target!r}; known: {known}.")
        for name in names:
            injectors[name].set(rate, latency, blackout, duration)
        return view(names)

    async def delete_faults(request: web.Request) -> web.Response:
        target = request.query.get("target")
        names = select(injectors, target) if target else sorted(injectors)
        for name in names:
            injectors[name].clear()
        for injector in () if target else shared:
            injector.clear()
        return view(names)

    def _targets(request: web.Request) -> list[str]:
        target = request.query.get("target")
        return select(injectors, target) if target else sorted(injectors)

    async def get_requests(request: web.Request) -> web.Response:
        counts = {n: injectors[n].requests for n in _targets(request)}
        return web.json_response(
            {"targets": {n: {"total": sum(c.values()), "by": dict(c)} for n, c in counts.items()}}
        )

    async def delete_requests(request: web.Request) -> web.Response:
        for name in _targets(request):
            injectors[name].requests.clear()
        return await get_requests(request)

    app = web.Application(middlewares=[authenticate])
    app.router.add_get("/events", events)
    app.router.add_get("/faults", get_faults)
    app.router.add_post("/faults", post_faults)
    app.router.add_delete("/faults", delete_faults)
    app.router.add_get("/requests", get_requests)
    app.router.add_delete("/requests", delete_requests)
    return app
