"""Least-privilege RBAC from what a drill needs: Kubernetes Roles per region, an Azure role. Pure.

Each access check (verb, API group, resource[/subresource], namespace) becomes exactly one verb
on one resource: checks with a namespace go to a Role in that namespace, checks without one to
the ClusterRole (a namespaced resource checked without a namespace means "in every namespace").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

MANAGED_BY = {"app.kubernetes.io/managed-by": "drillkit"}
TM_READ_ACTIONS = (
    "Microsoft.Network/trafficManagerProfiles/read",
    "Microsoft.Network/trafficManagerProfiles/azureEndpoints/read",
    "Microsoft.Network/trafficManagerProfiles/externalEndpoints/read",
    "Microsoft.Network/trafficManagerProfiles/nestedEndpoints/read",
)


class Check(Protocol):
    """What ``adapters.ports.AccessCheck`` carries (kept structural: core imports no adapter)."""

    @property
    def verb(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def subresource(self) -> str: ...
    @property
    def namespace(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Subject:
    """Who gets the rights: a ServiceAccount, or a User/Group name (an Entra ID object id)."""

    kind: str
    name: str
    namespace: str = ""

    def as_k8s(self) -> dict[str, str]:
        """The RBAC ``subjects[]`` entry."""
        if self.kind == "ServiceAccount":
            return {"kind": "ServiceAccount", "name": self.name, "namespace": self.namespace}
        return {"kind": self.kind, "name": self.name, "apiGroup": "rbac.authorization.k8s.io"}


def _rules(checks: Iterable[Check]) -> list[dict[str, Any]]:
    verbs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for check in checks:
        resource = f"{check.resource}/{check.subresource}" if check.subresource else check.resource
        verbs[(check.group, resource)].add(check.verb)
    return [
        {"apiGroups": [group], "resources": [resource], "verbs": sorted(verbs[(group, resource)])}
        for group, resource in sorted(verbs)
    ]


def _object(kind: str, name: str, namespace: str, labels: Mapping[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = dict(labels)
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta}


def region_rbac(
    name: str, checks: Iterable[Check], subject: Subject, *, labels: Mapping[str, str] = MANAGED_BY
) -> list[dict[str, Any]]:
    """ClusterRole/Role and their bindings granting exactly ``checks`` to ``subject``."""
    checks = list(checks)
    # RBAC is additive: a verb granted in every namespace needs no Role in one of them.
    everywhere = {(c.verb, c.group, c.resource, c.subresource) for c in checks if not c.namespace}
    by_namespace: dict[str, list[Check]] = defaultdict(list)
    for check in checks:
        key = (check.verb, check.group, check.resource, check.subresource)
        if check.namespace and key in everywhere:
            continue
        by_namespace[check.namespace].append(check)
    objects: list[dict[str, Any]] = []
    for namespace in sorted(by_namespace):
        role, binding = (
            ("Role", "RoleBinding") if namespace else ("ClusterRole", "ClusterRoleBinding")
        )
        objects.append(
            {**_object(role, name, namespace, labels), "rules": _rules(by_namespace[namespace])}
        )
        objects.append(
            {
                **_object(binding, name, namespace, labels),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role, "name": name},
                "subjects": [subject.as_k8s()],
            }
        )
    return objects


def azure_role(
    drill: str, actions: Iterable[str], *, subscription_id: str, resource_group: str
) -> dict[str, Any]:
    """The custom role definition ``az role definition create --role-definition @FILE`` takes:
    read the Traffic Manager profile tree, plus the fault's own actions (none but reads unless
    the fault changes Traffic Manager)."""
    wanted = list(dict.fromkeys([*TM_READ_ACTIONS, *actions]))
    return {
        "Name": f"drillkit {drill}",
        "IsCustom": True,
        "Description": f"What drillkit needs to run the drill {drill}, and no more.",
        "Actions": wanted,
        "NotActions": [],
        "DataActions": [],
        "NotDataActions": [],
        "AssignableScopes": [f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"],
    }
