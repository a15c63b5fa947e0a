"""Building a run's adapters: real Azure + AKS from the drill, or the sandbox twin from its
world.json (the same adapters, with a static token and loopback addresses); and reconnecting to
a journalled run's world from its ``ConnectionInfo``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from drillkit.adapters.bundle import ConnectionInfo, Connections
from drillkit.adapters.canary_ports import CanaryHttp
from drillkit.adapters.clock import SystemClock
from drillkit.adapters.credentials import (
    CLOUDS,
    StaticTokenCredential,
    azure_credential,
    connect_refusal,
    sign_in,
)
from drillkit.adapters.dns import (
    EcsResolver,
    NameServer,
    discover_nameservers,
    nameserver_addresses,
)
from drillkit.adapters.http import HttpxProbe
from drillkit.adapters.kube import IN_CLUSTER, KubeCluster
from drillkit.adapters.kubeauth import check_context
from drillkit.adapters.ports import Clock, HttpProbe, IngressAddress
from drillkit.adapters.trafficmanager import AzureTrafficManager
from drillkit.errors import AdapterError, DrillkitError, PreflightRefused
from drillkit.spec.model import Drill, ScaleDownFault

SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


def read_world_info(state_dir: Path) -> dict[str, Any]:
    """A running twin's world.json (written by ``drillkit sandbox up --state-dir``)."""
    path = state_dir / "world.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DrillkitError(
            f"no sandbox is running with state dir {state_dir} (no world.json there); "
            "start one with `drillkit sandbox up --state-dir DIR`"
        ) from None
    except ValueError as e:
        raise DrillkitError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise DrillkitError(f"{path} is not a world.json object")
    return data


def _clusters(drill: Drill, kubeconfig: str | None, conns: Connections, deadline_s: float) -> None:
    for region, spec in drill.regions.items():
        cluster = KubeCluster(spec.kube_context, kubeconfig, retry_deadline_s=deadline_s)
        conns.clusters[region] = cluster
        conns.closers.append(cluster.close)
        if spec.kube_context == IN_CLUSTER and region == drill.target:
            conns.own_pod = own_pod()
    fault = drill.fault
    argocd = fault.controllers_policy.argocd if isinstance(fault, ScaleDownFault) else None
    if argocd is not None:
        try:
            conns.argocd = KubeCluster(argocd.kube_context, kubeconfig, retry_deadline_s=deadline_s)
        except PreflightRefused as e:
            conns.argocd_error = str(e)
        else:
            conns.closers.append(conns.argocd.close)


def own_pod() -> str | None:
    """``namespace/name`` of the pod drillkit runs in (in-cluster: the service account's
    namespace and the pod's hostname), None when that cannot be told."""
    import os

    try:
        namespace = Path(SERVICE_ACCOUNT_NAMESPACE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    name = os.environ.get("POD_NAME") or os.environ.get("HOSTNAME")
    return f"{namespace}/{name}" if namespace and name else None


def _canary_factory(
    overrides: dict[str, IngressAddress], verify: bool | str, credential: Any = None
) -> Any:
    """HTTP canaries; with ``credential`` (a function that builds one), Cosmos DB ones too."""

    def make() -> CanaryHttp:
        from drillkit.adapters.canary import HttpxCanary
        from drillkit.adapters.cosmos import CosmosConnector

        cosmos = None if credential is None else CosmosConnector(credential)
        return HttpxCanary(overrides=overrides, verify=verify, cosmos=cosmos)

    return make


def _http_factory(drill: Drill, overrides: dict[str, IngressAddress], verify: bool | str) -> Any:
    timeout = float(drill.observe.http.timeout) if drill.observe.http else 5.0

    def make() -> HttpProbe:
        return HttpxProbe(timeout_s=timeout, overrides=overrides, verify=verify)

    return make


def connect_sandbox(
    drill: Drill, info: dict[str, Any], clock: Clock | None = None, *, deadline_s: float = 10.0
) -> Connections:
    """Adapters for a running twin described by its world.json ``info``."""
    tm_info = info.get("trafficManager") or {}
    dns_info = info.get("dns") or {}
    if not tm_info or not dns_info:
        raise PreflightRefused(
            "the sandbox has no Traffic Manager twin (world.json lacks trafficManager/dns); "
            "nothing was changed"
        )
    cosmos = [c.name for c in drill.observe.data if c.cosmos is not None]
    if cosmos:
        raise PreflightRefused(
            f"canary {cosmos[0]} writes to Cosmos DB, which the sandbox does not have: run it "
            "against Azure, or give the sandbox drill an HTTP canary; nothing was changed"
        )
    overrides: dict[str, IngressAddress] = {}
    for region in (info.get("regions") or {}).values():
        ingress = region.get("ingress")
        if isinstance(ingress, dict) and ingress.get("host"):
            address = IngressAddress(
                ingress["address"], int(ingress["port"]), ingress.get("scheme", "http")
            )
            overrides[ingress["host"]] = address
            overrides[ingress["address"]] = address  # endpoints may target the IP itself
    tm = AzureTrafficManager(
        StaticTokenCredential(tm_info["token"]),
        tm_info["subscriptionId"],
        tm_info["resourceGroup"],
        drill.traffic_manager.profile,
        base_url=tm_info["armUrl"],
        ca_file=tm_info.get("caFile"),
        retry_deadline_s=deadline_s,
    )
    # Every authoritative server of the twin, each asked separately (issue #17).
    servers = [
        NameServer(str(ns.get("name") or ns["host"]), str(ns["host"]), int(ns["port"]))
        for ns in dns_info.get("servers") or []
    ] or [NameServer(dns_info["host"], dns_info["host"], int(dns_info["port"]))]
    resolver = EcsResolver(servers, timeout_s=1.0)
    conns = Connections(
        clusters={},
        traffic_manager=tm,
        resolver=resolver,
        http_factory=_http_factory(drill, overrides, True),
        clock=clock or SystemClock(),
        fqdn="",
        time_scale=float(info.get("timeScale", 1.0)),
        info=ConnectionInfo(
            environment="sandbox",
            state_dir=info.get("stateDir"),
            kubeconfig=info.get("kubeconfig"),
            arm_url=tm_info["armUrl"],
            dns=f"{dns_info['host']}:{dns_info['port']}",
        ),
        ingress_overrides=overrides,
        canary_factory=_canary_factory(overrides, True),
    )
    conns.closers.append(tm.close)
    try:
        _clusters(drill, info.get("kubeconfig"), conns, deadline_s)
        conns.fqdn = str(dns_info.get("fqdn") or tm.fqdn())
    except BaseException:
        conns.close()
        raise
    return conns


ALL_ADAPTERS = frozenset({"kube", "arm", "dns"})


class Unneeded:
    """Stands in for an adapter a command does not need (a kube-only restore needs neither
    ARM nor DNS): any use is a refusal, so nothing connects to it by accident."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise PreflightRefused(f"{self._what} was not connected for this command ({name})")


def connect_azure(
    drill: Drill, clock: Clock | None = None, *, needs: frozenset[str] = ALL_ADAPTERS
) -> Connections:
    """Adapters for real Azure and the drill's kube contexts; only those in ``needs`` (kube,
    arm, dns) connect. Every connect-time failure (sign-in, authorization, name resolution,
    TLS, a kubelogin that fails or hangs) is a refusal: nothing was changed."""
    azure = drill.environment.azure
    if azure is None:
        raise DrillkitError("this drill has no environment.azure section")
    if "kube" in needs:
        for spec in drill.regions.values():
            check_context(spec.kube_context)
    cloud = CLOUDS[azure.cloud]
    built: list[Any] = []

    def shared_credential() -> Any:
        """One DefaultAzureCredential for ARM and the Cosmos DB canaries alike."""
        if not built:
            built.append(azure_credential(azure.tenant_id, azure.cloud))
        return built[0]

    conns = Connections(
        clusters={},
        traffic_manager=Unneeded("Traffic Manager"),
        resolver=Unneeded("DNS"),
        http_factory=_http_factory(drill, {}, True),
        canary_factory=_canary_factory({}, True, shared_credential),
        clock=clock or SystemClock(),
        fqdn="",
        info=ConnectionInfo(
            environment="azure",
            subscription_id=azure.subscription_id,
            resource_group=azure.resource_group,
        ),
    )
    try:
        if needs & {"arm", "dns"}:
            credential = shared_credential()
            sign_in(credential, azure.cloud)
            tm = AzureTrafficManager(
                credential,
                azure.subscription_id,
                azure.resource_group,
                drill.traffic_manager.profile,
                base_url=cloud.arm_url,
                scope=cloud.scope,
            )
            conns.closers.append(tm.close)
            conns.traffic_manager = tm
            try:
                conns.fqdn = tm.fqdn()
            except AdapterError as e:
                raise connect_refusal(f"read Traffic Manager profile {tm.profile}", e) from e
        if "dns" in needs:
            conns.resolver = EcsResolver(_nameservers(drill, conns.fqdn))
        if "kube" in needs:
            # KUBECONFIG as it is now (the client reads it once, at import)
            _clusters(drill, os.environ.get("KUBECONFIG") or None, conns, 20.0)
    except BaseException:
        conns.close()
        raise
    return conns


def _nameservers(drill: Drill, fqdn: str) -> list[NameServer]:
    """``observe.nameservers`` as written, or the profile zone's NS records (discovered)."""
    if drill.observe.nameservers:
        return nameserver_addresses(drill.observe.nameservers)
    _, servers = discover_nameservers(fqdn)
    return servers


def _served_world(state_dir: str | None) -> dict[str, Any] | None:
    """The world.json of a sandbox that still runs; None when it is gone: no world.json (it
    stopped), or the process that served it has died (a SIGKILL leaves world.json behind, and
    its ports refuse every connection)."""
    if not state_dir or not (Path(state_dir) / "world.json").is_file():
        return None
    world = read_world_info(Path(state_dir))
    pid = world.get("pid")
    if isinstance(pid, int) and not _process_alive(pid):
        return None
    return world


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def reconnect(
    info: ConnectionInfo,
    drill: Drill,
    clock: Clock | None = None,
    *,
    needs: frozenset[str] = ALL_ADAPTERS,
) -> Connections | None:
    """Adapters for the world a journalled run used (only those in ``needs``); None when that
    world is gone (an embedded sandbox twin stops with its run, and its world with it)."""
    if info.environment == "sandbox":
        world = _served_world(info.state_dir)
        return None if world is None else connect_sandbox(drill, world, clock)
    return connect_azure(drill, clock, needs=needs)
