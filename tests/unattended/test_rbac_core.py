"""Least-privilege RBAC generation from access checks (pure): one verb per needed check."""

from __future__ import annotations

from drillkit.adapters.ports import AccessCheck
from drillkit.core.rbac import Subject, azure_role, region_rbac

SA = Subject("ServiceAccount", "drillkit", "drillkit")
DRAIN = [
    AccessCheck("list", "nodes"),
    AccessCheck("patch", "nodes"),
    AccessCheck("get", "nodes"),
    AccessCheck("create", "pods", subresource="eviction"),
    AccessCheck("get", "leases", "coordination.k8s.io", namespace="default"),
    AccessCheck("update", "leases", "coordination.k8s.io", namespace="default"),
]


def test_cluster_wide_checks_go_to_a_clusterrole_and_namespaced_ones_to_a_role() -> None:
    """Nodes and evictions in every namespace need a ClusterRole; the Lease in ``default`` only
    a Role there; each is bound to the ServiceAccount."""
    objects = region_rbac("drillkit-us-outage", DRAIN, SA)
    kinds = [(o["kind"], o["metadata"].get("namespace", "")) for o in objects]
    assert kinds == [
        ("ClusterRole", ""),
        ("ClusterRoleBinding", ""),
        ("Role", "default"),
        ("RoleBinding", "default"),
    ]
    assert objects[0]["rules"] == [
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "patch"]},
        {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},
    ]
    assert objects[2]["rules"] == [
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "update"]}
    ]
    assert objects[1]["subjects"] == [
        {"kind": "ServiceAccount", "name": "drillkit", "namespace": "drillkit"}
    ]


def test_no_clusterrole_when_everything_is_namespaced() -> None:
    """A scale-down drill's rights fit in Roles: nothing cluster-wide is granted."""
    checks = [AccessCheck("patch", "deployments", "apps", "scale", "shop")]
    objects = region_rbac("d", checks, Subject("User", "3f2c-oid"))
    assert [o["kind"] for o in objects] == ["Role", "RoleBinding"]
    assert objects[1]["subjects"][0] == {
        "kind": "User",
        "name": "3f2c-oid",
        "apiGroup": "rbac.authorization.k8s.io",
    }


def test_the_azure_role_reads_the_profile_tree_and_adds_only_the_faults_actions() -> None:
    """Read-only unless the fault names write actions; scoped to the profile's resource group."""
    read_only = azure_role("d", (), subscription_id="sub", resource_group="rg")
    assert all(a.endswith("/read") for a in read_only["Actions"])
    assert read_only["AssignableScopes"] == ["/subscriptions/sub/resourceGroups/rg"]
    write = "Microsoft.Network/trafficManagerProfiles/externalEndpoints/write"
    writing = azure_role("d", (write,), subscription_id="sub", resource_group="rg")
    assert writing["Actions"][-1] == write
    assert set(writing) >= {"Name", "IsCustom", "Actions", "NotActions", "AssignableScopes"}


def test_a_verb_granted_everywhere_gets_no_role_in_one_namespace() -> None:
    """RBAC is additive, so ``list deployments`` in shop is dropped when it is granted in every
    namespace (then removing any rule really removes a right)."""
    checks = [
        AccessCheck("list", "deployments", "apps"),
        AccessCheck("list", "deployments", "apps", namespace="shop"),
        AccessCheck("get", "deployments", "apps", namespace="shop"),
    ]
    objects = region_rbac("d", checks, SA)
    role = next(o for o in objects if o["kind"] == "Role")
    assert role["rules"] == [
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}
    ]
