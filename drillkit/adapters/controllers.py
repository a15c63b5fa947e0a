"""The controllers around a workload, through the official client: who it is tracked by
(labels, annotations, managedFields), KEDA ScaledObjects and HPAs over it, and the pause
switches of Flux, KEDA and Argo CD (each pause written with field manager ``drillkit``).

Custom resources: keda.sh/v1alpha1 ScaledObject, kustomize.toolkit.fluxcd.io/v1 Kustomization,
helm.toolkit.fluxcd.io/v2 HelmRelease, argoproj.io/v1alpha1 Application. A 404 on a list means
the CRD is not installed: nothing of that kind acts here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from drillkit.adapters import retry
from drillkit.adapters.errors import from_status, short, status_message
from drillkit.core.controllers import ScalerRef, WorkloadMeta
from drillkit.errors import AdapterError

T = TypeVar("T")
FIELD_MANAGER = "drillkit"
MERGE = "application/merge-patch+json"
# kind -> (group, version, plural)
CUSTOM = {
    "ScaledObject": ("keda.sh", "v1alpha1", "scaledobjects"),
    "Kustomization": ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations"),
    "HelmRelease": ("helm.toolkit.fluxcd.io", "v2", "helmreleases"),
    "Application": ("argoproj.io", "v1alpha1", "applications"),
}
WORKLOADS = {"Deployment": "deployments", "StatefulSet": "statefulsets"}


@dataclass(frozen=True)
class WorkloadView:
    """A workload's replicas, tracking metadata and managedFields (raw, as served)."""

    meta: WorkloadMeta
    replicas: int
    managed_fields: list[dict[str, Any]]


def _translate(what: str, fn: Callable[[], T]) -> T:
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as e:
        raise from_status(what, e.status, status_message(e.body), e.headers) from e
    except HTTPError as e:
        raise from_status(what, None, short(e)) from e


class KubeControllers:
    """Reads and pauses the controllers of one cluster (the one an ApiClient points at)."""

    def __init__(self, api_client: Any, *, retry_deadline_s: float = 20.0) -> None:
        from kubernetes import client

        self._api = api_client
        self._custom: Any = client.CustomObjectsApi(api_client)
        self._deadline = retry_deadline_s

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return retry.call(f"kube.{what}", lambda: _translate(what, fn), deadline_s=self._deadline)

    def _raw(self, path: str) -> Any:
        """GET a path as plain JSON (managedFields keep their wire form)."""

        def get() -> Any:
            verb, url, headers, _, _ = self._api.param_serialize(
                "GET",
                path,
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            response = self._api.call_api(verb, url, header_params=headers)
            response.read()
            return self._api.response_deserialize(response, {"200": "object"}).data

        return self._call(f"get {path}", get)

    # ------------------------------------------------------------- workloads

    def workload(self, kind: str, namespace: str, name: str) -> WorkloadView | None:
        """A Deployment or StatefulSet as served, None when it is gone."""
        try:
            obj = self._raw(f"/apis/apps/v1/namespaces/{namespace}/{WORKLOADS[kind]}/{name}")
        except AdapterError as e:
            if getattr(e, "status", None) == 404:
                return None
            raise
        meta = obj.get("metadata") or {}
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        return WorkloadView(
            WorkloadMeta(
                namespace,
                kind,
                name,
                labels=dict(meta.get("labels") or {}),
                annotations=dict(meta.get("annotations") or {}),
            ),
            replicas if isinstance(replicas, int) else 1,
            list(meta.get("managedFields") or []),
        )

    # ---------------------------------------------------------------- scalers

    def _list_custom(self, kind: str, namespace: str) -> list[dict[str, Any]]:
        group, version, plural = CUSTOM[kind]
        try:
            listed: dict[str, Any] = self._call(
                f"list {plural}",
                lambda: self._custom.list_namespaced_custom_object(
                    group, version, namespace, plural
                ),
            )
        except AdapterError as e:
            if getattr(e, "status", None) == 404:
                return []  # the CRD is not installed
            raise
        return list(listed.get("items") or [])

    def scaled_objects(self, namespace: str) -> list[ScalerRef]:
        """KEDA ScaledObjects of a namespace (none when KEDA is not installed)."""
        out = []
        for so in self._list_custom("ScaledObject", namespace):
            ref = (so.get("spec") or {}).get("scaleTargetRef") or {}
            out.append(
                ScalerRef(
                    namespace,
                    so["metadata"]["name"],
                    ref.get("kind") or "Deployment",
                    ref.get("name", ""),
                    dict(so["metadata"].get("annotations") or {}),
                )
            )
        return out

    def hpas(self, namespace: str) -> list[ScalerRef]:
        """HorizontalPodAutoscalers of a namespace."""
        listed = self._raw(f"/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers")
        out = []
        for hpa in listed.get("items") or []:
            ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
            out.append(
                ScalerRef(
                    namespace, hpa["metadata"]["name"], ref.get("kind", ""), ref.get("name", "")
                )
            )
        return out

    # ----------------------------------------------------------------- pauses

    def get_custom(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """A custom object (ScaledObject, Kustomization, HelmRelease, Application), or None."""
        group, version, plural = CUSTOM[kind]
        try:
            obj: dict[str, Any] = self._call(
                f"get {plural}/{name}",
                lambda: self._custom.get_namespaced_custom_object(
                    group, version, namespace, plural, name
                ),
            )
        except AdapterError as e:
            if getattr(e, "status", None) == 404:
                return None
            raise
        return obj

    def patch_custom(self, kind: str, namespace: str, name: str, patch: dict[str, Any]) -> None:
        """A JSON merge patch (null deletes) of a custom object, as field manager drillkit."""
        group, version, plural = CUSTOM[kind]
        self._call(
            f"patch {plural}/{name}",
            lambda: self._custom.patch_namespaced_custom_object(
                group,
                version,
                namespace,
                plural,
                name,
                patch,
                field_manager=FIELD_MANAGER,
                _content_type=MERGE,
            ),
        )
