"""Starts a whole sandbox world: one Kubernetes twin per region plus pluggable components.

In-process API::

    sandbox = Sandbox(world, state_dir)            # or: async with Sandbox(...) as sandbox
    await sandbox.start(fault_rate=0.0, fault_latency_ms=0.0)
    sandbox.kube["us"].ready_replicas("shop", "Deployment", "web")
    sandbox.info                                   # the world.json dict
    await sandbox.stop()

    with SandboxThread(world, state_dir) as sb:    # same, on a background event-loop thread
        sb.info["kubeconfig"]; sb.call(lambda s: s.kube["us"].ready_replicas(...))

world.json (written atomically, last, once everything serves): ``kubeconfig`` (absolute path),
``stateDir``, ``pid`` (the process serving the world: when it is gone, so is the world, even if
a SIGKILL left world.json behind), ``caFile`` (the PEM of the per-start CA the twins' TLS
certificates chain to),
``regions.<name>.kubeContext`` / ``viewerContext`` / ``apiServer`` (``https://127.0.0.1:PORT``:
kubectl sends bearer tokens only over TLS), plus whatever components add.

Component hook (how the Traffic Manager twin plugs in): a component is any object with
``async start(ctx: SandboxContext) -> Mapping[str, Any]`` and ``async stop()``. Components start
in order after every kube twin serves, and stop in reverse order. The mapping ``start`` returns
is merged into world.json (one level deep for ``regions``, so a component may add keys to
``regions.<name>``). ``ctx`` gives the world, the state dir, ``ctx.kube`` (region -> KubeTwin)
and ``ctx.faults(name)`` (a named ``FaultInjector`` primed with ``--fault-rate``/
``--fault-latency``; "kube" is shared by every kube twin, and ``ctx.region_faults[region]`` is
one twin's own, layered over it). Components
passed to ``Sandbox`` are used as given; when none are given,
``drillkit.sandbox.tm.sandbox_components(world)`` gives them. ``ctx.authority`` and
``ctx.ca_file`` are the one CA every TLS server of the sandbox uses.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import yaml

from drillkit.sandbox.context import Component, SandboxContext
from drillkit.sandbox.faults import LayeredInjector
from drillkit.sandbox.kube import KubeTwin
from drillkit.sandbox.kube.auth import Tokens
from drillkit.sandbox.tls import Authority, make_authority
from drillkit.sandbox.tm import sandbox_components
from drillkit.sandbox.world import World

T = TypeVar("T")
__all__ = ["Component", "Sandbox", "SandboxContext", "SandboxThread", "default_components"]


def default_components(world: World) -> list[Component]:
    """The Traffic Manager twin (a plain import, so the import contracts see it)."""
    return list(sandbox_components(world))


def sandbox_names(world: World) -> tuple[str, ...]:
    """Every name and address a sandbox server answers TLS for (one certificate for all)."""
    names = ["127.0.0.1", "localhost"]
    for region in world.regions.values():
        names += [region.ingress.host, region.ingress.address]
    return tuple(dict.fromkeys(names))


def _merge(info: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if key == "regions" and isinstance(value, Mapping):
            for region, keys in value.items():
                info["regions"].setdefault(region, {}).update(keys)
        else:
            info[key] = value


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def kubeconfig(twins: Mapping[str, KubeTwin], tokens: Tokens, ca_pem: bytes) -> dict[str, Any]:
    """A kubeconfig with an operator and a viewer context per region."""
    clusters, contexts = [], []
    ca_data = base64.b64encode(ca_pem).decode()
    for region, twin in twins.items():
        clusters.append(
            {
                "name": f"sandbox-{region}",
                "cluster": {"server": twin.url, "certificate-authority-data": ca_data},
            }
        )
        for suffix, user in (("", "operator"), ("-viewer", "viewer")):
            contexts.append(
                {
                    "name": f"sandbox-{region}{suffix}",
                    "context": {
                        "cluster": f"sandbox-{region}",
                        "user": f"sandbox-{user}",
                        "namespace": "default",
                    },
                }
            )
    users = [
        {"name": "sandbox-operator", "user": {"token": tokens.operator}},
        {"name": "sandbox-viewer", "user": {"token": tokens.viewer}},
    ]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "contexts": contexts,
        "users": users,
        "current-context": f"sandbox-{next(iter(twins))}",
    }


class Sandbox:
    """Every region's kube twin plus the components, with kubeconfig and world.json."""

    def __init__(
        self,
        world: World,
        state_dir: Path,
        components: Sequence[Component] | None = None,
    ) -> None:
        self.world = world
        self.state_dir = Path(state_dir).resolve()
        self.components = list(components) if components is not None else None
        self.tokens = Tokens()
        self.authority: Authority | None = None
        self.kube: dict[str, KubeTwin] = {}
        self.info: dict[str, Any] = {}
        self.ctx: SandboxContext | None = None
        self._started: list[Component] = []

    async def start(self, fault_rate: float = 0.0, fault_latency_ms: float = 0.0) -> None:
        """Serve everything, then write kubeconfig and (last, atomically) world.json."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "world.json").unlink(missing_ok=True)
        self.ctx = ctx = SandboxContext(
            self.world, self.state_dir, self.kube, fault_rate, fault_latency_ms
        )
        try:
            self.authority = make_authority(sandbox_names(self.world))
            server_tls = self.authority.server_context()
            ca_path = self.state_dir / "ca.crt"
            write_atomic(ca_path, self.authority.ca_pem.decode())
            ctx.authority, ctx.ca_file = self.authority, ca_path
            for region in self.world.regions:
                twin = KubeTwin(
                    self.world,
                    region,
                    self.tokens,
                    faults=ctx.region_faults.setdefault(
                        region, LayeredInjector(ctx.faults("kube"))
                    ),
                    ssl_context=server_tls,
                )
                self.kube[region] = twin
                await twin.start()
            config_path = self.state_dir / "kubeconfig"
            write_atomic(
                config_path,
                yaml.safe_dump(kubeconfig(self.kube, self.tokens, self.authority.ca_pem)),
            )
            config_path.chmod(0o600)
            self.info = {
                "kubeconfig": str(config_path),
                "stateDir": str(self.state_dir),
                "pid": os.getpid(),
                "caFile": str(ca_path),
                "regions": {
                    region: {
                        "kubeContext": f"sandbox-{region}",
                        "viewerContext": f"sandbox-{region}-viewer",
                        "apiServer": twin.url,
                    }
                    for region, twin in self.kube.items()
                },
            }
            for component in (
                self.components if self.components is not None else default_components(self.world)
            ):
                _merge(self.info, await component.start(ctx) or {})
                self._started.append(component)
            write_atomic(self.state_dir / "world.json", json.dumps(self.info, indent=2) + "\n")
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop components (reverse order), then the twins; safe to call twice.

        world.json goes first, so that nobody reads the addresses of servers about to close.
        """
        (self.state_dir / "world.json").unlink(missing_ok=True)
        while self._started:
            await self._started.pop().stop()
        for twin in self.kube.values():
            await twin.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def settled(self, timeout: float = 10.0) -> bool:
        """Wait until every Deployment and StatefulSet of the world has all its replicas ready
        in every region (a freshly seeded world needs a pod-ready delay); False on timeout."""
        wanted = [
            (namespace.name, workload.kind, workload.name, workload.replicas)
            for namespace in self.world.namespaces
            for workload in namespace.workloads
            if workload.kind != "DaemonSet"
        ]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not all(
            twin.ready_replicas(namespace, kind, name) >= replicas
            for twin in self.kube.values()
            for namespace, kind, name, replicas in wanted
        ):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    def ready_line(self) -> str:
        contexts = ", ".join(f"sandbox-{r}" for r in self.kube)
        return (
            f"sandbox ready: export KUBECONFIG={self.info['kubeconfig']} "
            f"(contexts {contexts}); world: {self.state_dir / 'world.json'}"
        )


async def _settle() -> None:
    """Let closing TLS transports finish, then cancel what is left, before the loop closes."""
    await asyncio.sleep(0.05)
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() if t is not current]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


class SandboxThread:
    """A ``Sandbox`` on its own event-loop thread, for synchronous users (tests, the CLI)."""

    def __init__(
        self,
        world: World,
        state_dir: Path | None = None,
        components: Sequence[Component] | None = None,
        fault_rate: float = 0.0,
        fault_latency_ms: float = 0.0,
    ) -> None:
        self._tmp = (
            tempfile.TemporaryDirectory(prefix="drillkit-sandbox-") if state_dir is None else None
        )
        self.state_dir = Path(self._tmp.name if self._tmp else state_dir or ".").resolve()
        self.sandbox = Sandbox(world, self.state_dir, components)
        self._knobs = (fault_rate, fault_latency_ms)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="drillkit-sandbox", daemon=True
        )

    @property
    def info(self) -> dict[str, Any]:
        return self.sandbox.info

    def run(self, coro: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine on the sandbox loop and wait for its result."""
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def call(self, fn: Callable[[Sandbox], T], timeout: float = 10.0) -> T:
        """Run ``fn(sandbox)`` on the loop (store reads must happen there)."""

        async def invoke() -> T:
            return fn(self.sandbox)

        result: T = self.run(invoke(), timeout)
        return result

    def __enter__(self) -> SandboxThread:
        self._thread.start()
        try:
            self.run(self.sandbox.start(*self._knobs))
        except BaseException:
            self._shutdown()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.run(self.sandbox.stop())
        finally:
            self.run(_settle())
            self._shutdown()

    def _shutdown(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
        if self._tmp is not None:
            self._tmp.cleanup()
