"""Bearer tokens and the twin's RBAC: an operator may do anything, a viewer only read."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from drillkit.sandbox.kube.status import ApiError

OPERATOR = "operator"
VIEWER = "viewer"
READ_VERBS = frozenset({"get", "list", "watch"})
# Everyone may ask what they may do, as the system:basic-user ClusterRole allows.
SELF_REVIEWS = frozenset({("authorization.k8s.io", "selfsubjectaccessreviews")})


@dataclass(frozen=True)
class Tokens:
    """One random bearer token per identity."""

    operator: str = field(default_factory=lambda: secrets.token_hex(16))
    viewer: str = field(default_factory=lambda: secrets.token_hex(16))

    def user(self, header: str | None) -> str:
        """The user behind an ``Authorization`` header; 401 when unknown."""
        # The scheme is case-insensitive (RFC 7235 section 2.1): the official client's in-cluster
        # loader sends "bearer <token>".
        scheme, _, rest = (header or "").strip().partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else ""
        if token and secrets.compare_digest(token, self.operator):
            return OPERATOR
        if token and secrets.compare_digest(token, self.viewer):
            return VIEWER
        raise ApiError(401, "Unauthorized", "Unauthorized")


def allowed(user: str, verb: str, group: str, resource: str) -> bool:
    """The RBAC decision for one request."""
    if (group, resource) in SELF_REVIEWS and verb == "create":
        return True
    return user == OPERATOR or verb in READ_VERBS


def rule_reason(user: str) -> str:
    role = "cluster-admin" if user == OPERATOR else "view"
    return (
        f'RBAC: allowed by ClusterRoleBinding "sandbox-{user}" of ClusterRole "{role}" '
        f'to User "{user}"'
    )


def forbidden(
    user: str, verb: str, *, group: str, resource: str, subresource: str, namespace: str, name: str
) -> ApiError:
    """403 worded as real RBAC words it."""
    qualified = f"{resource}.{group}" if group else resource
    full = f"{resource}/{subresource}" if subresource else resource
    subject = f'{qualified} "{name}"' if name else qualified
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{user}" cannot {verb} resource "{full}" '
        f'in API group "{group}" {scope}'
    )
    details: dict[str, Any] = {"kind": resource}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    return ApiError(403, message, "Forbidden", details)


def review(user: str, body: dict[str, Any]) -> dict[str, Any]:
    """Answer a SelfSubjectAccessReview truthfully for ``user``."""
    spec = body.get("spec") or {}
    attrs = spec.get("resourceAttributes")
    if attrs is not None:
        resource = attrs.get("resource", "")
        verb = attrs.get("verb", "")
        ok = user == OPERATOR or allowed(user, verb, attrs.get("group", ""), resource)
    else:
        verb = (spec.get("nonResourceAttributes") or {}).get("verb", "")
        ok = user == OPERATOR or verb == "get"
    status: dict[str, Any] = {"allowed": ok}
    if ok:
        status["reason"] = rule_reason(user)
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }
