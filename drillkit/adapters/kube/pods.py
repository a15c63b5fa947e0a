"""Pods: the ones on a node, evicted through the Eviction subresource, or deleted."""

from __future__ import annotations

import re

from drillkit.adapters import retry
from drillkit.adapters.errors import (
    from_status,
    retry_after,
    short,
    status_causes,
    status_message,
)
from drillkit.adapters.kube.connection import KubeConnection, _translate
from drillkit.adapters.ports import Eviction, EvictionResult, PodRef
from drillkit.errors import PermanentAdapterError

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


class KubePods(KubeConnection):
    """``Pods``: evictions speak policy/v1, or policy/v1beta1 on servers without it."""

    def pods_on_node(self, node: str) -> list[PodRef]:
        pods = self.read_json(
            f"list pods on {node}", "/api/v1/pods", fieldSelector=f"spec.nodeName={node}"
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
                    empty_dir=any(v.empty_dir is not None for v in pod.spec.volumes or []),
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
                why = " ".join([message, *status_causes(e.body)])
                return EvictionResult(
                    Eviction.BLOCKED, retry_after(e.headers), why, _budget(pod, e.body)
                )
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


_BUDGET = re.compile(r"disruption budget (\S+) needs")


def _budget(pod: PodRef, body: object) -> str:
    """``namespace/name`` of the budget a 429 names in its causes ("The disruption budget web
    needs 2 healthy pods and has 2 currently"), else ""."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    found = _BUDGET.search(text)
    return f"{pod.namespace}/{found.group(1)}" if found else ""
