"""One region's Kubernetes API twin: store, control plane and HTTP server on 127.0.0.1."""

from __future__ import annotations

import random
import socket
import ssl
from typing import Any

from aiohttp import web

from drillkit.sandbox.faults import FaultInjector
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.api import KubeApi
from drillkit.sandbox.kube.auth import Tokens
from drillkit.sandbox.kube.controllers import ControlPlane
from drillkit.sandbox.kube.managed import writing
from drillkit.sandbox.kube.reconcilers import ReconcilerLoop, reconcilers_for
from drillkit.sandbox.kube.routing import is_discovery, request_label
from drillkit.sandbox.kube.seed import seed
from drillkit.sandbox.kube.status import status_body
from drillkit.sandbox.kube.store import Store
from drillkit.sandbox.world import World

SEED_MANAGER = "drillkit-sandbox"  # the field manager of the objects a world starts with
_FAULT_MESSAGES = {
    429: (
        "TooManyRequests",
        "the server has received too many requests and has asked us to try again later",
    ),
    500: ("InternalError", "Internal error occurred: injected fault"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
}


def kube_fault_body(code: int, _request: web.Request) -> dict[str, Any]:
    reason, message = _FAULT_MESSAGES.get(code, ("InternalError", "injected fault"))
    body = status_body(code, message, reason)
    if code == 429:
        body["details"] = {"retryAfterSeconds": 1}
    return body


class KubeTwin:
    """A cluster twin for one region; ``start()`` seeds it from the world and serves it."""

    def __init__(
        self,
        world: World,
        region: str,
        tokens: Tokens,
        *,
        faults: FaultInjector | None = None,
        host: str = "127.0.0.1",
        rng: random.Random | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.world = world
        self.region = region
        self.tokens = tokens
        self.faults = faults or FaultInjector()
        self.host = host
        self.rng = rng or random.Random()
        self.store = Store()
        self.api = KubeApi(self.store, tokens, self.rng)
        self.control = ControlPlane(self.store, float(world.pod_ready_delay), self.rng)
        self.reconcilers = ReconcilerLoop(self.store, reconcilers_for(world, region))
        self.ssl_context = ssl_context
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def start(self) -> None:
        with writing(SEED_MANAGER):
            seed(self.store, self.world, self.region)
            self.reconcilers.seed()
        app = web.Application(
            middlewares=[
                self.faults.middleware(
                    kube_fault_body,
                    lambda r: is_discovery(r.path),
                    lambda r: request_label(r.method, r.path),
                )
            ],
            client_max_size=8 * 1024 * 1024,
        )
        app.router.add_route("*", "/{tail:.*}", self.api.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        self.api.address = f"{self.host}:{self.port}"
        site = web.SockSite(self._runner, sock, ssl_context=self.ssl_context)
        await site.start()
        self.control.start()
        self.reconcilers.start()

    async def stop(self) -> None:
        self.store.close_watchers()
        await self.reconcilers.stop()
        await self.control.stop()
        if self._runner is not None:
            server = self._runner.server
            open_transports = [c.transport for c in (server.connections if server else [])]
            await self._runner.cleanup()
            # Idle keep-alive TLS connections would wait for a close_notify that may never come.
            for transport in open_transports:
                if transport is not None:
                    transport.abort()
            self._runner = None

    def ready_replicas(self, namespace: str, kind: str, name: str) -> int:
        """Ready replicas of a Deployment, StatefulSet or DaemonSet (0 when absent).

        Call on the twin's event loop; it reads the store and never blocks.
        """
        res = {
            "Deployment": R.DEPLOYMENTS,
            "StatefulSet": R.STATEFULSETS,
            "DaemonSet": R.DAEMONSETS,
            "ReplicaSet": R.REPLICASETS,
        }.get(kind)
        obj = self.store.get(res.key, namespace, name) if res else None
        if obj is None:
            return 0
        status = obj.get("status") or {}
        value = status.get("numberReady" if kind == "DaemonSet" else "readyReplicas", 0)
        return value if isinstance(value, int) else 0
