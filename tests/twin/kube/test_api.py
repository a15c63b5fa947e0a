"""API semantics through the official client: eviction, budgets, leases, reviews, watch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from drillkit.sandbox.runtime import SandboxThread
from tests.twin.kube.conftest import Clients, eventually, settled


def cordon_all(us: Clients) -> None:
    for node in ("us-node-1", "us-node-2", "us-node-3"):
        us.core.patch_node(node, {"spec": {"unschedulable": True}})


def web_pod_names(us: Clients) -> list[str]:
    pods = us.core.list_namespaced_pod("shop", label_selector="app=web").items
    return sorted(p.metadata.name for p in pods if not p.metadata.deletion_timestamp)


def evict(us: Clients, name: str) -> Any:
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace="shop"))
    return us.core.create_namespaced_pod_eviction(name, "shop", body)


def raw(us: Clients, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call any path with the client's own transport and token; (status, decoded JSON)."""
    conf = us.api.configuration
    headers = {
        "Authorization": conf.auth_settings()["BearerToken"]["value"],
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    response = us.api.call_api(method, conf.host + path, header_params=headers, body=body)
    response.read()
    return response.status, json.loads(response.data)


def test_eviction_is_201_then_the_pod_terminates(sandbox: SandboxThread, us: Clients) -> None:
    """A permitted eviction answers Success; the pod gets a deletionTimestamp, then is gone."""
    settled(sandbox)
    victim = web_pod_names(us)[0]
    status, body = raw(
        us,
        "POST",
        f"/api/v1/namespaces/shop/pods/{victim}/eviction",
        {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": victim, "namespace": "shop"},
        },
    )
    assert (status, body["status"], body["code"]) == (201, "Success", 201)
    eventually(lambda: victim not in web_pod_names(us))
    eventually(lambda: len(web_pod_names(us)) == 3)


def test_eviction_blocked_by_budget_is_429_with_cause(sandbox: SandboxThread, us: Clients) -> None:
    """With no room to reschedule, the second eviction is refused with a DisruptionBudget cause."""
    settled(sandbox)
    cordon_all(us)
    first, second = web_pod_names(us)[:2]
    evict(us, first)
    with pytest.raises(ApiException) as caught:
        evict(us, second)
    assert caught.value.status == 429
    assert caught.value.headers.get("Retry-After") is None
    status = json.loads(caught.value.body)
    assert status["reason"] == "TooManyRequests"
    assert status["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert status["details"]["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget web needs 2 healthy pods and has 2 currently",
        }
    ]
    assert second in web_pod_names(us)


def test_eviction_of_a_missing_pod_is_404(sandbox: SandboxThread, us: Clients) -> None:
    """Evicting a pod that is gone answers NotFound."""
    with pytest.raises(ApiException) as caught:
        evict(us, "web-gone")
    assert caught.value.status == 404
    assert json.loads(caught.value.body)["message"] == 'pods "web-gone" not found'


def test_two_budgets_over_one_pod_is_500(sandbox: SandboxThread, us: Clients) -> None:
    """Eviction refuses a pod matched by two PDBs with the apiserver's InternalError."""
    settled(sandbox)
    us.policy.create_namespaced_pod_disruption_budget(
        "shop",
        {
            "metadata": {"name": "web-too"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
        },
    )
    with pytest.raises(ApiException) as caught:
        evict(us, web_pod_names(us)[0])
    assert caught.value.status == 500
    assert "more than one PodDisruptionBudget" in json.loads(caught.value.body)["message"]


def test_policy_v1beta1_eviction_and_budgets(sandbox: SandboxThread, us: Clients) -> None:
    """An Eviction posted as policy/v1beta1 works and PDBs read back under v1beta1."""
    settled(sandbox)
    victim = web_pod_names(us)[0]
    status, _ = raw(
        us,
        "POST",
        f"/api/v1/namespaces/shop/pods/{victim}/eviction",
        {
            "apiVersion": "policy/v1beta1",
            "kind": "Eviction",
            "metadata": {"name": victim, "namespace": "shop"},
        },
    )
    assert status == 201
    status, pdbs = raw(us, "GET", "/apis/policy/v1beta1/namespaces/shop/poddisruptionbudgets")
    assert status == 200
    assert [(p["apiVersion"], p["metadata"]["name"]) for p in pdbs["items"]] == [
        ("policy/v1beta1", "web")
    ]


def test_budget_status_is_computed(sandbox: SandboxThread, us: Clients) -> None:
    """web's PDB reports 3 healthy of 3 expected, 2 desired, 1 disruption allowed."""
    settled(sandbox)
    status = eventually(
        lambda: (
            (
                s := us.policy.read_namespaced_pod_disruption_budget("web", "shop").status
            ).current_healthy
            == 3
            and s
        )
    )
    assert (status.expected_pods, status.desired_healthy, status.disruptions_allowed) == (3, 2, 1)


def test_lease_update_with_stale_version_conflicts(sandbox: SandboxThread, us: Clients) -> None:
    """Leases: create, 409 AlreadyExists on re-create, 409 Conflict on a stale update."""
    lease = {
        "metadata": {"name": "drill-lock"},
        "spec": {"holderIdentity": "run-1", "leaseDurationSeconds": 30},
    }
    created = us.coordination.create_namespaced_lease("shop", lease)
    with pytest.raises(ApiException) as again:
        us.coordination.create_namespaced_lease("shop", lease)
    assert (again.value.status, json.loads(again.value.body)["reason"]) == (409, "AlreadyExists")
    created.spec.holder_identity = "run-2"
    updated = us.coordination.replace_namespaced_lease("drill-lock", "shop", created)
    assert int(updated.metadata.resource_version) > int(created.metadata.resource_version)
    created.spec.holder_identity = "run-3"  # still carries the old resourceVersion
    with pytest.raises(ApiException) as stale:
        us.coordination.replace_namespaced_lease("drill-lock", "shop", created)
    assert stale.value.status == 409
    assert "the object has been modified" in json.loads(stale.value.body)["message"]
    assert (
        us.coordination.read_namespaced_lease("drill-lock", "shop").spec.holder_identity == "run-2"
    )
    us.coordination.delete_namespaced_lease("drill-lock", "shop")
    assert us.coordination.list_namespaced_lease("shop").items == []


def test_access_review_is_truthful(sandbox: SandboxThread, us: Clients, viewer: Clients) -> None:
    """SelfSubjectAccessReview: the operator may delete pods, the viewer may only read them."""

    def can(who: Clients, verb: str) -> bool:
        review = who.authz.create_self_subject_access_review(
            {
                "spec": {
                    "resourceAttributes": {"verb": verb, "resource": "pods", "namespace": "shop"}
                }
            }
        )
        return bool(review.status.allowed)

    assert can(us, "delete") and can(viewer, "list")
    assert not can(viewer, "delete")


def test_watch_streams_pod_changes(sandbox: SandboxThread, us: Clients) -> None:
    """A watch from a list's resourceVersion sees a deleted pod as MODIFIED then DELETED."""
    settled(sandbox)
    listed = us.core.list_namespaced_pod("shop", label_selector="app=cart")
    us.core.delete_namespaced_pod("cart-1", "shop")
    seen = []
    stream = watch.Watch()
    for event in stream.stream(
        us.core.list_namespaced_pod,
        "shop",
        label_selector="app=cart",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=5,
    ):
        seen.append((event["type"], event["object"].metadata.name))
        if ("DELETED", "cart-1") in seen:
            stream.stop()
    assert ("MODIFIED", "cart-1") in seen and ("DELETED", "cart-1") in seen


def test_graceful_and_immediate_deletion(sandbox: SandboxThread, us: Clients) -> None:
    """Grace 30 leaves a terminating pod for the kubelet; grace 0 removes it at once."""
    settled(sandbox)
    first, second = web_pod_names(us)[:2]
    pod = us.core.delete_namespaced_pod(first, "shop", grace_period_seconds=30)
    assert pod.metadata.deletion_timestamp is not None
    assert pod.metadata.deletion_grace_period_seconds == 30
    us.core.delete_namespaced_pod(second, "shop", grace_period_seconds=0)
    with pytest.raises(ApiException) as gone:
        us.core.read_namespaced_pod(second, "shop")
    assert gone.value.status == 404
    eventually(
        lambda: first not in {p.metadata.name for p in us.core.list_namespaced_pod("shop").items}
    )


def test_statefulset_scales_in_order(sandbox: SandboxThread, us: Clients) -> None:
    """cart grows to cart-0..3 and shrinks from the highest ordinal."""
    settled(sandbox)
    us.apps.patch_namespaced_stateful_set_scale("cart", "shop", {"spec": {"replicas": 4}})
    names = eventually(
        lambda: (
            (
                n := sorted(
                    p.metadata.name
                    for p in us.core.list_namespaced_pod("shop", label_selector="app=cart").items
                )
            )
            == ["cart-0", "cart-1", "cart-2", "cart-3"]
            and n
        )
    )
    assert names
    us.apps.patch_namespaced_stateful_set_scale("cart", "shop", {"spec": {"replicas": 1}})
    eventually(
        lambda: (
            [
                p.metadata.name
                for p in us.core.list_namespaced_pod("shop", label_selector="app=cart").items
            ]
            == ["cart-0"]
        )
    )
    sts = eventually(
        lambda: (
            (s := us.apps.read_namespaced_stateful_set("cart", "shop")).status.replicas == 1 and s
        )
    )
    assert sts.status.current_revision == sts.status.update_revision


def test_scale_subresource_reads_autoscaling_v1(sandbox: SandboxThread, us: Clients) -> None:
    """The Scale of web carries spec.replicas and the selector string."""
    settled(sandbox)
    scale = us.apps.read_namespaced_deployment_scale("web", "shop")
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (3, 3, "app=web")


def test_daemonset_pod_stays_on_a_cordoned_node(sandbox: SandboxThread, us: Clients) -> None:
    """Deleting log-agent's pod on a cordoned node brings a new one back there."""
    settled(sandbox)
    us.core.patch_node("us-node-1", {"spec": {"unschedulable": True}})
    pods = us.core.list_namespaced_pod(
        "shop", label_selector="app=log-agent", field_selector="spec.nodeName=us-node-1"
    ).items
    us.core.delete_namespaced_pod(pods[0].metadata.name, "shop", grace_period_seconds=0)
    eventually(
        lambda: [
            p
            for p in us.core.list_namespaced_pod(
                "shop", label_selector="app=log-agent", field_selector="spec.nodeName=us-node-1"
            ).items
            if p.status.phase == "Running"
        ]
    )


def test_deleting_a_deployment_collects_its_pods(sandbox: SandboxThread, us: Clients) -> None:
    """The garbage collector removes web's ReplicaSet and pods after the Deployment goes."""
    settled(sandbox)
    us.apps.delete_namespaced_deployment("web", "shop")
    eventually(lambda: not us.apps.list_namespaced_replica_set("shop").items)
    eventually(lambda: not web_pod_names(us))


def test_resource_versions_increase(sandbox: SandboxThread, us: Clients) -> None:
    """Each write returns a larger resourceVersion; uid and creationTimestamp stay put."""
    before = us.core.read_node("us-node-1")
    after = us.core.patch_node("us-node-1", {"metadata": {"labels": {"drill": "1"}}})
    assert int(after.metadata.resource_version) > int(before.metadata.resource_version)
    assert after.metadata.uid == before.metadata.uid
    assert after.metadata.creation_timestamp == before.metadata.creation_timestamp


def test_scale_down_removes_pending_pods_first(sandbox: SandboxThread, us: Clients) -> None:
    """Pods that could not schedule go first when a Deployment shrinks; running ones stay."""
    settled(sandbox)
    running = set(web_pod_names(us))
    cordon_all(us)
    us.apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 5}})
    eventually(lambda: len(web_pod_names(us)) == 5)
    us.apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 3}})
    eventually(lambda: set(web_pod_names(us)) == running)


def test_deleting_a_node_removes_its_pods(sandbox: SandboxThread, us: Clients) -> None:
    """Pods bound to a deleted node are collected and web's replacements run elsewhere."""
    settled(sandbox)
    us.core.delete_node("us-node-3")
    eventually(
        lambda: (
            not us.core.list_pod_for_all_namespaces(field_selector="spec.nodeName=us-node-3").items
        )
    )
    eventually(lambda: us.apps.read_namespaced_deployment("web", "shop").status.ready_replicas == 3)
    ds = eventually(
        lambda: (
            (
                d := us.apps.read_namespaced_daemon_set("log-agent", "shop")
            ).status.desired_number_scheduled
            == 2
            and d
        )
    )
    assert ds.status.number_ready == 2


def test_dry_run_changes_nothing(sandbox: SandboxThread, us: Clients) -> None:
    """dryRun=All answers as a real write would, but nothing is stored or evicted."""
    settled(sandbox)
    node = us.core.patch_node("us-node-1", {"spec": {"unschedulable": True}}, dry_run="All")
    assert node.spec.unschedulable is True
    assert not us.core.read_node("us-node-1").spec.unschedulable
    lease = us.coordination.create_namespaced_lease(
        "shop", {"metadata": {"name": "dry"}, "spec": {}}, dry_run="All"
    )
    assert lease.metadata.name == "dry" and lease.metadata.uid
    assert us.coordination.list_namespaced_lease("shop").items == []
    victim = web_pod_names(us)[0]
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=victim, namespace="shop"))
    us.core.create_namespaced_pod_eviction(victim, "shop", body, dry_run="All")
    pod = us.core.read_namespaced_pod(victim, "shop")
    assert pod.metadata.deletion_timestamp is None
    with pytest.raises(ApiException) as bad:
        us.core.patch_node("us-node-1", {"spec": {}}, dry_run="Some")
    assert bad.value.status == 400
