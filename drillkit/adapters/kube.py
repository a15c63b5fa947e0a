"""Kubernetes through the official client: kubeconfig contexts or in-cluster config."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from drillkit.adapters import retry
from drillkit.adapters.errors import from_status, retry_after, short, status_message
from drillkit.adapters.ports import (
    AccessCheck,
    Eviction,
    EvictionResult,
    HpaState,
    LeaseState,
    NodeState,
    PdbState,
    PodRef,
    WorkloadState,
)
from drillkit.errors import AdapterError, PermanentAdapterError, PreflightRefused

T = TypeVar("T")
IN_CLUSTER = "in-cluster"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
REQUEST_TIMEOUT_S = (5.0, 30.0)  # connect, read


def _translate(what: str, fn: Callable[[], T]) -> T:
    """Call ``fn``; SDK and transport errors become drillkit errors."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as e:
        raise from_status(what, e.status, status_message(e.body), e.headers) from e
    except HTTPError as e:
        raise from_status(what, None, short(e)) from e


class KubeCluster:
    """``Cluster`` for one kubeconfig context (or the pod's own cluster)."""

    def __init__(
        self, context: str, kubeconfig: str | None = None, *, retry_deadline_s: float = 20.0
    ) -> None:
        from kubernetes import client, config

        self.context = context
        self._deadline = retry_deadline_s
        try:
            if context == IN_CLUSTER:
                configuration = client.Configuration()
                config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
                self._api = client.ApiClient(configuration)
            else:
                self._api = config.new_client_from_config(  # type: ignore[no-untyped-call]
                    config_file=kubeconfig, context=context, persist_config=False
                )
        except (config.ConfigException, OSError, ValueError) as e:
            where = kubeconfig or "the default kubeconfig"
            raise PreflightRefused(
                f"cannot load kube context {context!r} from {where}: {short(e)}; "
                "nothing was changed: check the context name with `kubectl config get-contexts`"
            ) from e
        self._default_timeout()
        self.core = client.CoreV1Api(self._api)
        self.coordination = client.CoordinationV1Api(self._api)
        self.authz = client.AuthorizationV1Api(self._api)
        self._eviction_version: str | None = None

    def _default_timeout(self) -> None:
        """The client waits forever by default; a hung API server must not hang the drill."""
        call_api = self._api.call_api

        def with_timeout(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("_request_timeout") is None:
                kwargs["_request_timeout"] = REQUEST_TIMEOUT_S
            return call_api(*args, **kwargs)

        self._api.call_api = with_timeout  # type: ignore[method-assign]

    @cached_property
    def apps(self) -> Any:
        """AppsV1Api, imported on first use (it is slow to import and only scale-down needs it)."""
        from kubernetes import client

        return client.AppsV1Api(self._api)

    @cached_property
    def autoscaling(self) -> Any:
        from kubernetes import client

        return client.AutoscalingV1Api(self._api)

    def close(self) -> None:
        self._api.close()  # type: ignore[no-untyped-call]

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return retry.call(f"kube.{what}", lambda: _translate(what, fn), deadline_s=self._deadline)

    # -------------------------------------------------------------- access

    def server(self) -> str:
        return str(self._api.configuration.host)

    def can_i(self, check: AccessCheck) -> bool:
        from kubernetes import client

        body = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    verb=check.verb,
                    group=check.group,
                    resource=check.resource,
                    subresource=check.subresource or None,
                    namespace=check.namespace or None,
                )
            )
        )
        review = self._call(
            "access review", lambda: self.authz.create_self_subject_access_review(body)
        )
        return bool(review.status and review.status.allowed)

    # -------------------------------------------------------------- nodes

    def list_nodes(self, selector: dict[str, str]) -> list[NodeState]:
        label_selector = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        nodes = self._call("list nodes", lambda: self.core.list_node(label_selector=label_selector))
        return [_node(n) for n in nodes.items]

    def get_node(self, name: str) -> NodeState | None:
        try:
            return _node(self._call(f"read node {name}", lambda: self.core.read_node(name)))
        except PermanentAdapterError as e:
            if e.status == 404:
                return None
            raise

    def set_unschedulable(self, name: str, value: bool) -> None:
        body = {"spec": {"unschedulable": value}}
        self._call(f"cordon node {name}", lambda: self.core.patch_node(name, body))

    # -------------------------------------------------------------- pods

    def pods_on_node(self, node: str) -> list[PodRef]:
        pods = self._call(
            f"list pods on {node}",
            lambda: self.core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}"),
        )
        result = []
        for pod in pods.items:
            if pod.spec is None or pod.metadata is None or (pod.spec.node_name or "") != node:
                continue  # a server that ignores field selectors must not widen the drain
            meta = pod.metadata
            owners = meta.owner_references or []
            controller = next((o for o in owners if o.controller), owners[0] if owners else None)
            result.append(
                PodRef(
                    namespace=meta.namespace or "",
                    name=meta.name or "",
                    node=node,
                    owner_kind=controller.kind if controller else "",
                    mirror=MIRROR_ANNOTATION in (meta.annotations or {}),
                    finished=(pod.status.phase if pod.status else "") in ("Succeeded", "Failed"),
                    labels=tuple(sorted((meta.labels or {}).items())),
                )
            )
        return result

    def _policy_version(self) -> str:
        if self._eviction_version is None:
            from kubernetes import client

            try:
                group = _translate(
                    "discover policy", lambda: client.PolicyApi(self._api).get_api_group()
                )
                versions = [v.version for v in group.versions or []]
            except PermanentAdapterError as e:
                if e.status != 404:
                    raise
                versions = []
            self._eviction_version = "v1" if "v1" in versions or not versions else "v1beta1"
        return self._eviction_version

    def evict(self, pod: PodRef, grace_period_s: int | None = None) -> EvictionResult:
        """One eviction; 5xx and transport errors are retried here, a PDB's 429 is returned."""
        return retry.call(
            f"kube.evict {pod.key}",
            lambda: self._evict_once(pod, grace_period_s),
            deadline_s=self._deadline,
        )

    def _evict_once(self, pod: PodRef, grace_period_s: int | None) -> EvictionResult:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        version = self._policy_version()
        body = client.V1Eviction(
            api_version=f"policy/{version}",
            kind="Eviction",
            metadata=client.V1ObjectMeta(name=pod.name, namespace=pod.namespace),
            delete_options=(
                client.V1DeleteOptions(grace_period_seconds=grace_period_s)
                if grace_period_s is not None
                else None
            ),
        )
        try:
            self.core.create_namespaced_pod_eviction(pod.name, pod.namespace, body)
        except ApiException as e:
            message = status_message(e.body)
            if e.status == 404 and version == "v1" and "eviction" in message.lower():
                self._eviction_version = "v1beta1"  # the group is there but not this version
                return self._evict_once(pod, grace_period_s)
            if e.status == 404:
                return EvictionResult(Eviction.GONE, message=message)
            if e.status == 429:
                return EvictionResult(Eviction.BLOCKED, retry_after(e.headers), message)
            raise from_status(f"evict pod {pod.key}", e.status, message, e.headers) from e
        except HTTPError as e:
            raise from_status(f"evict pod {pod.key}", None, short(e)) from e
        return EvictionResult(Eviction.EVICTED)

    def delete_pod(self, pod: PodRef, grace_period_s: int | None = None) -> bool:
        try:
            self._call(
                f"delete pod {pod.key}",
                lambda: self.core.delete_namespaced_pod(
                    pod.name, pod.namespace, grace_period_seconds=grace_period_s
                ),
            )
        except PermanentAdapterError as e:
            if e.status == 404:
                return False
            raise
        return True

    # -------------------------------------------------------------- workloads

    def list_workloads(self, namespace: str, selector: str) -> list[WorkloadState]:
        deployments = self._call(
            "list deployments",
            lambda: self.apps.list_namespaced_deployment(namespace, label_selector=selector),
        )
        statefulsets = self._call(
            "list statefulsets",
            lambda: self.apps.list_namespaced_stateful_set(namespace, label_selector=selector),
        )
        return [_workload("Deployment", d) for d in deployments.items] + [
            _workload("StatefulSet", s) for s in statefulsets.items
        ]

    def get_workload(self, kind: str, namespace: str, name: str) -> WorkloadState | None:
        read = (
            self.apps.read_namespaced_deployment
            if kind == "Deployment"
            else self.apps.read_namespaced_stateful_set
        )
        try:
            return _workload(kind, self._call(f"read {kind} {name}", lambda: read(name, namespace)))
        except PermanentAdapterError as e:
            if e.status == 404:
                return None
            raise

    def set_replicas(self, kind: str, namespace: str, name: str, replicas: int) -> None:
        patch = (
            self.apps.patch_namespaced_deployment_scale
            if kind == "Deployment"
            else self.apps.patch_namespaced_stateful_set_scale
        )
        body = {"spec": {"replicas": replicas}}
        self._call(f"scale {kind} {namespace}/{name}", lambda: patch(name, namespace, body))

    def list_hpas(self, namespace: str) -> list[HpaState]:
        hpas = self._call(
            "list hpas",
            lambda: self.autoscaling.list_namespaced_horizontal_pod_autoscaler(namespace),
        )
        return [
            HpaState(
                namespace=namespace,
                name=(h.metadata.name or "") if h.metadata else "",
                target_kind=h.spec.scale_target_ref.kind,
                target_name=h.spec.scale_target_ref.name,
                min_replicas=h.spec.min_replicas if h.spec.min_replicas is not None else 1,
                max_replicas=h.spec.max_replicas,
            )
            for h in hpas.items
        ]

    def list_pdbs(self) -> list[PdbState]:
        """Every policy/v1 PodDisruptionBudget (matchLabels selectors only)."""
        from kubernetes import client

        policy = client.PolicyV1Api(self._api)
        pdbs = self._call("list pdbs", policy.list_pod_disruption_budget_for_all_namespaces)
        result = []
        for pdb in pdbs.items:
            meta, spec, status = pdb.metadata, pdb.spec, pdb.status
            labels = (spec.selector.match_labels or {}) if spec and spec.selector else {}
            result.append(
                PdbState(
                    namespace=(meta.namespace or "") if meta else "",
                    name=(meta.name or "") if meta else "",
                    match_labels=tuple(sorted(labels.items())),
                    disruptions_allowed=(status.disruptions_allowed or 0) if status else 0,
                )
            )
        return result

    # -------------------------------------------------------------- leases

    def get_lease(self, namespace: str, name: str) -> LeaseState | None:
        try:
            lease = self._call(
                f"read lease {name}",
                lambda: self.coordination.read_namespaced_lease(name, namespace),
            )
        except PermanentAdapterError as e:
            if e.status == 404:
                return None
            raise
        return _lease(lease)

    def put_lease(self, lease: LeaseState, holder: str, now: float) -> LeaseState:
        """Create the lease (empty resource_version) or replace it; 409 means someone raced us."""
        from kubernetes import client

        stamp = dt.datetime.fromtimestamp(now, dt.UTC)
        body = client.V1Lease(
            metadata=client.V1ObjectMeta(
                name=lease.name,
                namespace=lease.namespace,
                resource_version=lease.resource_version or None,
                labels={"app.kubernetes.io/managed-by": "drillkit"},
            ),
            spec=client.V1LeaseSpec(
                holder_identity=holder,
                lease_duration_seconds=lease.duration_s,
                renew_time=stamp,
                acquire_time=stamp if lease.holder != holder else None,
            ),
        )
        what = f"take lease {lease.namespace}/{lease.name}"
        attempts = 0

        def write() -> Any:
            nonlocal attempts
            attempts += 1
            try:
                if lease.resource_version:
                    return _translate(
                        what,
                        lambda: self.coordination.replace_namespaced_lease(
                            lease.name, lease.namespace, body
                        ),
                    )
                return _translate(
                    what, lambda: self.coordination.create_namespaced_lease(lease.namespace, body)
                )
            except PermanentAdapterError as e:
                # A retried write whose first try landed (its answer lost) conflicts with
                # itself: the lease is ours if it names us.
                if e.status == 409 and attempts > 1:
                    current = self.get_lease(lease.namespace, lease.name)
                    if current is not None and current.holder == holder:
                        return None
                raise

        result = retry.call(f"kube.{what}", write, deadline_s=self._deadline)
        if result is None:
            current = self.get_lease(lease.namespace, lease.name)
            assert current is not None
            return current
        return _lease(result)

    def delete_lease(self, namespace: str, name: str, holder: str) -> None:
        current = self.get_lease(namespace, name)
        if current is None or current.holder != holder:
            return
        from kubernetes import client

        options = client.V1DeleteOptions(
            preconditions=client.V1Preconditions(resource_version=current.resource_version)
        )
        try:
            self._call(
                f"release lease {name}",
                lambda: self.coordination.delete_namespaced_lease(name, namespace, body=options),
            )
        except AdapterError as e:
            if e.status not in (404, 409):
                raise


def _node(node: Any) -> NodeState:
    conditions = (node.status.conditions if node.status else None) or []
    ready = any(c.type == "Ready" and c.status == "True" for c in conditions) or not conditions
    return NodeState(node.metadata.name, bool(node.spec and node.spec.unschedulable), ready)


def _workload(kind: str, obj: Any) -> WorkloadState:
    status = obj.status
    return WorkloadState(
        kind=kind,
        namespace=obj.metadata.namespace,
        name=obj.metadata.name,
        replicas=obj.spec.replicas if obj.spec.replicas is not None else 1,
        ready=(status.ready_replicas or 0) if status else 0,
    )


def _lease(lease: Any) -> LeaseState:
    spec = lease.spec
    renew = spec.renew_time or spec.acquire_time
    return LeaseState(
        name=lease.metadata.name,
        namespace=lease.metadata.namespace,
        holder=spec.holder_identity,
        renew_time=renew.timestamp() if renew else None,
        duration_s=spec.lease_duration_seconds or 0,
        resource_version=lease.metadata.resource_version or "",
    )
