"""Start and stop the real tier: etcd, kube-apiserver 1.20, controller-manager, kubelet stand-in.

``with RealCluster() as cluster:`` starts every region of the default sandbox world on one etcd
(one ``--etcd-prefix`` per region), writes a kubeconfig with contexts ``real-<region>`` (operator,
system:masters) and ``real-<region>-viewer`` (get/list/watch), seeds the world and waits until it
has settled. By hand: ``scripts/realapi/start.sh`` (see ``main``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml
from kubernetes import client, config

from drillkit.sandbox.world import World, load_world
from tests.realapi.certs import Pki, make_pki
from tests.realapi.processes import Child, free_port
from tests.realapi.seed import grant_viewer, seed_world, wait_settled

DEFAULT_DIR = Path("/var/cache/drillkit/realapi")
BINARIES = ("kube-apiserver", "kube-controller-manager", "etcd")
CONTROLLERS = (
    "deployment,replicaset,statefulset,daemonset,disruption,"
    "garbagecollector,namespace,nodelifecycle"
)
STARTUP_S = 90.0
SETTLE_S = 120.0


def bin_dir() -> Path:
    """Where build.sh caches the binaries (``$DRILLKIT_REALAPI_DIR/bin``)."""
    return Path(os.environ.get("DRILLKIT_REALAPI_DIR", str(DEFAULT_DIR))) / "bin"


def missing_reason() -> str | None:
    """Why the tier cannot run here, or None when every binary is present."""
    missing = [b for b in BINARIES if not os.access(bin_dir() / b, os.X_OK)]
    if missing:
        return (
            f"real-apiserver tier not built: {', '.join(missing)} missing in {bin_dir()} "
            "(run scripts/realapi/build.sh)"
        )
    return None


@dataclass
class RealRegion:
    """One region: its apiserver URL, kube contexts and processes."""

    name: str
    port: int
    context: str
    viewer_context: str
    nodes: int
    children: list[Child] = field(default_factory=list)

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def _wait_http(url: str, ctx: ssl.SSLContext | None, token: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        request = urllib.request.Request(url)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=5, context=ctx) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready within {timeout:.0f} s: {last}")


class RealCluster:
    """Context manager owning every process of the tier and its temporary directory."""

    def __init__(
        self,
        regions: list[str] | None = None,
        world: World | None = None,
        workdir: Path | None = None,
        seed: bool = True,
    ) -> None:
        self.world = world or load_world()
        names = regions or list(self.world.regions)
        unknown = [r for r in names if r not in self.world.regions]
        if unknown:
            raise ValueError(f"regions not in the world: {unknown}")
        self._own_dir = workdir is None
        self.dir = workdir or Path(tempfile.mkdtemp(prefix="drillkit-realapi-"))
        self.kubeconfig = self.dir / "kubeconfig"
        self.seed = seed
        self.operator_token = secrets.token_hex(16)
        self.viewer_token = secrets.token_hex(16)
        self._kcm_token = secrets.token_hex(16)
        self.regions = {
            r: RealRegion(r, 0, f"real-{r}", f"real-{r}-viewer", self.world.regions[r].nodes)
            for r in names
        }
        self.etcd: Child | None = None
        self.pki: Pki | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> RealCluster:
        reason = missing_reason()
        if reason:
            raise RuntimeError(reason)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start(self) -> None:
        self.pki = make_pki(self.dir / "pki")
        (self.dir / "tokens.csv").write_text(
            f'{self.operator_token},operator,operator,"system:masters"\n'
            f"{self.viewer_token},viewer,viewer\n"
            f'{self._kcm_token},drillkit:controller-manager,kcm,"system:masters"\n'
        )
        etcd_port, peer_port = free_port(), free_port()
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        self.etcd = Child(
            "etcd",
            [
                str(bin_dir() / "etcd"),
                "--name=realapi",
                f"--data-dir={self.dir / 'etcd'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=realapi=http://127.0.0.1:{peer_port}",
                "--log-level=warn",
            ],
            self.dir / "etcd.log",
        )
        _wait_http(f"{etcd_url}/health", None, None, 30)
        for region in self.regions.values():
            region.port = free_port()
            region.children.append(self._apiserver(region, etcd_url))
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_cert))
        for region in self.regions.values():
            try:
                _wait_http(f"{region.server}/readyz", ctx, self.operator_token, STARTUP_S)
            except TimeoutError as exc:
                raise RuntimeError(f"{exc}\n{region.children[0].tail()}") from exc
        self._write_kubeconfig()
        for region in self.regions.values():
            with self.api_client(region.name) as api:
                grant_viewer(api, "viewer")
            region.children.append(self._controller_manager(region))
            region.children.append(self._kubelet(region))
        if self.seed:
            for region in self.regions.values():
                with self.api_client(region.name) as api:
                    seed_world(api, self.world)
            for region in self.regions.values():
                with self.api_client(region.name) as api:
                    try:
                        wait_settled(api, self.world, region.nodes, SETTLE_S)
                    except TimeoutError as exc:
                        logs = "\n".join(c.tail(10) for c in region.children[1:])
                        raise RuntimeError(f"{region.name}: {exc}\n{logs}") from exc

    def _apiserver(self, region: RealRegion, etcd_url: str) -> Child:
        assert self.pki is not None
        argv = [
            str(bin_dir() / "kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            f"--etcd-prefix=/registry-{region.name}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={region.port}",
            "--insecure-port=0",
            f"--cert-dir={self.dir / f'certs-{region.name}'}",
            f"--tls-cert-file={self.pki.serving_cert}",
            f"--tls-private-key-file={self.pki.serving_key}",
            f"--token-auth-file={self.dir / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--endpoint-reconciler-type=none",
            "--disable-admission-plugins=ServiceAccount",
            "--service-cluster-ip-range=10.96.0.0/16",
            f"--service-account-key-file={self.pki.sa_pub}",
            f"--service-account-signing-key-file={self.pki.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--profiling=false",
            "--enable-priority-and-fairness=false",
            "--v=0",
        ]
        return Child(
            f"kube-apiserver-{region.name}", argv, self.dir / f"apiserver-{region.name}.log"
        )

    def _controller_manager(self, region: RealRegion) -> Child:
        kubeconfig = self.dir / f"kcm-{region.name}.kubeconfig"
        kubeconfig.write_text(yaml.safe_dump(self._kubeconfig_doc({region.name: self._kcm_token})))
        argv = [
            str(bin_dir() / "kube-controller-manager"),
            f"--kubeconfig={kubeconfig}",
            f"--controllers={CONTROLLERS}",
            "--leader-elect=false",
            "--use-service-account-credentials=false",
            "--port=0",
            "--secure-port=0",
            "--node-monitor-grace-period=40s",
            "--profiling=false",
            "--v=0",
        ]
        return Child(f"kcm-{region.name}", argv, self.dir / f"kcm-{region.name}.log")

    def _kubelet(self, region: RealRegion) -> Child:
        root = Path(__file__).resolve().parents[2]
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
        )
        argv = [
            sys.executable,
            "-m",
            "tests.realapi.kubelet",
            f"--kubeconfig={self.kubeconfig}",
            f"--context={region.context}",
            f"--region={region.name}",
            f"--nodes={region.nodes}",
        ]
        return Child(f"kubelet-{region.name}", argv, self.dir / f"kubelet-{region.name}.log", env)

    def stop(self) -> None:
        """Stop every process (children first, etcd last) and remove the temporary directory."""
        for region in self.regions.values():
            for child in reversed(region.children):
                child.stop()
            region.children.clear()
        if self.etcd is not None:
            self.etcd.stop()
            self.etcd = None
        if self._own_dir and not os.environ.get("DRILLKIT_REALAPI_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- access ------------------------------------------------------------------------------
    def _kubeconfig_doc(self, users: dict[str, str], viewer: bool = False) -> dict[str, Any]:
        assert self.pki is not None
        ca = self.pki.ca_cert.read_bytes()
        ca_data = base64.b64encode(ca).decode()
        doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "preferences": {}}
        doc["clusters"] = [
            {
                "name": f"real-{r}",
                "cluster": {
                    "server": self.regions[r].server,
                    "certificate-authority-data": ca_data,
                },
            }
            for r in users
        ]
        doc["users"] = [
            {"name": f"real-{r}-operator", "user": {"token": t}} for r, t in users.items()
        ]
        doc["contexts"] = [
            {"name": f"real-{r}", "context": {"cluster": f"real-{r}", "user": f"real-{r}-operator"}}
            for r in users
        ]
        if viewer:
            doc["users"] += [
                {"name": f"real-{r}-viewer", "user": {"token": self.viewer_token}} for r in users
            ]
            doc["contexts"] += [
                {
                    "name": f"real-{r}-viewer",
                    "context": {"cluster": f"real-{r}", "user": f"real-{r}-viewer"},
                }
                for r in users
            ]
        doc["current-context"] = f"real-{next(iter(users))}"
        return doc

    def _write_kubeconfig(self) -> None:
        doc = self._kubeconfig_doc(dict.fromkeys(self.regions, self.operator_token), viewer=True)
        self.kubeconfig.write_text(yaml.safe_dump(doc))
        self.kubeconfig.chmod(0o600)

    def api_client(self, region: str, viewer: bool = False) -> client.ApiClient:
        """A new ApiClient for a region; close it (``with cluster.api_client("us") as api``)."""
        context = self.regions[region].viewer_context if viewer else self.regions[region].context
        return config.new_client_from_config(str(self.kubeconfig), context=context)

    def rss_bytes(self) -> dict[str, int]:
        """Resident memory per process name, for the benchmarks."""
        children = [c for r in self.regions.values() for c in r.children]
        if self.etcd:
            children.append(self.etcd)
        return {c.name: c.rss_bytes() for c in children}

    def world_json(self) -> dict[str, Any]:
        """The same shape as the twin's world.json (kubeconfig, regions.<r>.kubeContext ...)."""
        return {
            "kubeconfig": str(self.kubeconfig),
            "regions": {
                r.name: {
                    "kubeContext": r.context,
                    "viewerContext": r.viewer_context,
                    "apiServer": r.server,
                }
                for r in self.regions.values()
            },
        }


def main(argv: list[str] | None = None) -> int:
    """Start the tier in the foreground until Ctrl-C / SIGTERM (or ``--max-seconds``)."""
    parser = argparse.ArgumentParser(description="Start the real kube-apiserver 1.20 tier.")
    parser.add_argument("--regions", default="", help="comma-separated (default: every region)")
    parser.add_argument(
        "--no-seed", action="store_true", help="do not create the world's workloads"
    )
    parser.add_argument("--max-seconds", type=float, default=8 * 3600)
    args = parser.parse_args(argv)
    regions = [r for r in args.regions.split(",") if r] or None
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    started = time.monotonic()
    with RealCluster(regions=regions, seed=not args.no_seed) as cluster:
        (cluster.dir / "world.json").write_text(json.dumps(cluster.world_json(), indent=2))
        print(f"real tier ready in {time.monotonic() - started:.1f} s; logs in {cluster.dir}")
        print(f"export KUBECONFIG={cluster.kubeconfig}")
        print(
            "contexts: "
            + ", ".join(f"{r.context}, {r.viewer_context}" for r in cluster.regions.values())
        )
        sys.stdout.flush()
        deadline = time.monotonic() + args.max_seconds
        while not stop and time.monotonic() < deadline:
            time.sleep(0.5)
        print("stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
