"""Pods: the ones on a node, evicted through the Eviction subresource, or deleted."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from drillkit.adapters import retry
from drillkit.adapters.errors import (
    from_status,
    retry_after,
    status_causes,
    status_message,
)
from drillkit.adapters.kube.connection import KubeConnection
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
            try:
                group = self.read_json("discover policy", "/apis/policy")
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
        """POST the Eviction as plain JSON: a region's drain sends thousands, and the SDK's
        models cost more CPU than the request itself."""
        version = self._policy_version()
        body: dict[str, Any] = {
            "apiVersion": f"policy/{version}",
            "kind": "Eviction",
            "metadata": {"name": pod.name, "namespace": pod.namespace},
        }
        if grace_period_s is not None:
            body["deleteOptions"] = {"gracePeriodSeconds": grace_period_s}
        what = f"evict pod {pod.key}"
        status, data, headers = self.send_json(what, "POST", _path(pod) + "/eviction", body)
        if 200 <= status < 300:
            return EvictionResult(Eviction.EVICTED)
        message = status_message(data)
        if status == 404 and version == "v1" and "eviction" in message.lower():
            self._eviction_version = "v1beta1"  # the group is there but not this version
            return self._evict_once(pod, grace_period_s)
        if status == 404:
            return EvictionResult(Eviction.GONE, message=message)
        if status == 429:
            why = " ".join([message, *status_causes(data)])
            return EvictionResult(Eviction.BLOCKED, retry_after(headers), why, _budget(pod, data))
        raise from_status(what, status, message, headers)

    def delete_pod(self, pod: PodRef, grace_period_s: int | None = None) -> bool:
        query = {} if grace_period_s is None else {"gracePeriodSeconds": str(grace_period_s)}
        try:
            self.write_json(
                f"delete pod {pod.key}",
                "DELETE",
                _path(pod),
                **query,
            )
        except PermanentAdapterError as e:
            if e.status == 404:
                return False
            raise
        return True


def _path(pod: PodRef) -> str:
    return f"/api/v1/namespaces/{quote(pod.namespace, safe='')}/pods/{quote(pod.name, safe='')}"


_BUDGET = re.compile(r"disruption budget (\S+) needs")


def _budget(pod: PodRef, body: object) -> str:
    """``namespace/name`` of the budget a 429 names in its causes ("The disruption budget web
    needs 2 healthy pods and has 2 currently"), else ""."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    found = _BUDGET.search(text)
    return f"{pod.namespace}/{found.group(1)}" if found else ""
