"""Defaults and validation on write, so that bad input is refused as the apiserver refuses it.

Wrong JSON types are 400 BadRequest (the apiserver fails to decode them); well-typed but
invalid values are 422 Invalid. Nothing is stored unless it passes.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.selection import matches, selector_from_object
from drillkit.sandbox.kube.status import bad_request, invalid
from drillkit.sandbox.kube.store import Obj

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _type_error(path: str, expected: str, value: Any) -> NoReturn:
    got = {
        str: "string",
        bool: "bool",
        int: "number",
        float: "number",
        list: "array",
        dict: "object",
    }.get(type(value), "null")
    raise bad_request(
        f"json: cannot unmarshal {got} into Go struct field {path} of type {expected}"
    )


def _check_types(res: R.Resource, obj: Obj) -> None:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        _type_error("ObjectMeta.metadata", "v1.ObjectMeta", meta)
    for field in ("labels", "annotations"):
        value = meta.get(field)
        if value is not None and (
            not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())
        ):
            _type_error(f"ObjectMeta.metadata.{field}", "map[string]string", value)
    for field in ("name", "namespace", "generateName", "resourceVersion"):
        if meta.get(field) is not None and not isinstance(meta[field], str):
            _type_error(f"ObjectMeta.metadata.{field}", "string", meta[field])
    spec = obj.get("spec")
    if spec is None:
        return
    if not isinstance(spec, dict):
        _type_error(f"{res.kind}.spec", f"v1.{res.kind}Spec", spec)
    replicas = spec.get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or isinstance(replicas, bool)):
        _type_error(f"{res.kind}Spec.spec.replicas", "int32", replicas)
    if "unschedulable" in spec and not isinstance(spec["unschedulable"], bool):
        _type_error("NodeSpec.spec.unschedulable", "bool", spec["unschedulable"])
    taints = spec.get("taints")
    if taints is not None and (
        not isinstance(taints, list) or not all(isinstance(t, dict) for t in taints)
    ):
        _type_error("NodeSpec.spec.taints", "[]v1.Taint", taints)


def validate(res: R.Resource, obj: Obj) -> None:
    """Raise 400/422 for an object that must not be stored."""
    if not isinstance(obj, dict):
        raise bad_request(f"Object '{res.kind}' is missing or is not a JSON object")
    _check_types(res, obj)
    name = obj["metadata"].get("name", "")
    causes: list[tuple[str, str]] = []
    pattern = _LABEL if res.plural == "namespaces" else _SUBDOMAIN
    if not name:
        causes.append(("metadata.name", "Required value: name or generateName is required"))
    elif len(name) > 253 or not pattern.match(name):
        causes.append(
            (
                "metadata.name",
                f'Invalid value: "{name}": a lowercase RFC 1123 '
                "subdomain must consist of lower case alphanumeric characters, '-' or "
                "'.', and must start and end with an alphanumeric character",
            )
        )
    spec = obj.get("spec") or {}
    if res is R.PODS:
        causes += _containers("spec.containers", spec)
    elif res in (R.DEPLOYMENTS, R.REPLICASETS, R.STATEFULSETS, R.DAEMONSETS):
        if isinstance(spec.get("replicas"), int) and spec["replicas"] < 0:
            causes.append(
                (
                    "spec.replicas",
                    f"Invalid value: {spec['replicas']}: must be greater than or equal to 0",
                )
            )
        selector = spec.get("selector")
        raw_template = spec.get("template")
        template: dict[str, Any] = raw_template if isinstance(raw_template, dict) else {}
        tlabels = (template.get("metadata") or {}).get("labels") or {}
        if not isinstance(selector, dict) or not selector:
            causes.append(("spec.selector", "Required value"))
        elif not matches(selector_from_object(selector), tlabels):
            causes.append(
                (
                    "spec.template.metadata.labels",
                    f"Invalid value: {tlabels!r}: `selector` does not match template `labels`",
                )
            )
        causes += _containers("spec.template.spec.containers", template.get("spec") or {})
    elif res is R.PDBS:
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            causes.append(
                ("spec", "Invalid value: minAvailable and maxUnavailable cannot be both set")
            )
    elif res is R.LEASES:
        duration = spec.get("leaseDurationSeconds")
        if duration is not None and (not isinstance(duration, int) or duration <= 0):
            causes.append(
                ("spec.leaseDurationSeconds", f"Invalid value: {duration}: must be greater than 0")
            )
    if causes:
        raise invalid(res.kind, res.group, name, causes)


def _containers(path: str, spec: dict[str, Any]) -> list[tuple[str, str]]:
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        return [(path, "Required value")]
    causes = []
    for i, c in enumerate(containers):
        if not isinstance(c, dict) or not c.get("name"):
            causes.append((f"{path}[{i}].name", "Required value"))
        elif not c.get("image"):
            causes.append((f"{path}[{i}].image", "Required value"))
    return causes


def apply_defaults(res: R.Resource, obj: Obj) -> Obj:
    """The defaults the apiserver fills on create (only those clients read)."""
    spec = (
        obj.setdefault("spec", {})
        if res.plural not in ("selfsubjectaccessreviews",)
        else obj.get("spec", {})
    )
    if res in (R.DEPLOYMENTS, R.STATEFULSETS) and "replicas" not in spec:
        spec["replicas"] = 1
    if res is R.DEPLOYMENTS:
        spec.setdefault(
            "strategy",
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
        )
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
    if res is R.STATEFULSETS:
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault(
            "updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
        )
        spec.setdefault("revisionHistoryLimit", 10)
    if res is R.DAEMONSETS:
        spec.setdefault(
            "updateStrategy",
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        )
        spec.setdefault("revisionHistoryLimit", 10)
    if res is R.PODS:
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("schedulerName", "default-scheduler")
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    if res is R.NAMESPACES:
        obj.setdefault("metadata", {}).setdefault("labels", {})["kubernetes.io/metadata.name"] = (
            obj["metadata"].get("name", "")
        )
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
    return obj
