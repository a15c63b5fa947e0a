"""The machine's kubectl against the twin: get, cordon, drain, scale, rollout status, can-i."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from drillkit.sandbox.runtime import SandboxThread
from tests.twin.kube.conftest import KUBECTL, Clients, eventually, settled

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def web_pods(us: Clients) -> list[object]:
    return us.core.list_namespaced_pod("shop", label_selector="app=web").items


def test_get_nodes_shows_cordon_and_uncordon(
    sandbox: SandboxThread, kubectl: Kubectl, us: Clients
) -> None:
    """cordon marks the node SchedulingDisabled in ``get nodes``; uncordon clears the flag."""
    assert kubectl("cordon", "us-node-1").stdout.strip() == "node/us-node-1 cordoned"
    table = kubectl("get", "nodes").stdout
    assert "us-node-1   Ready,SchedulingDisabled" in table
    assert us.core.read_node("us-node-1").spec.unschedulable is True
    assert kubectl("uncordon", "us-node-1").stdout.strip() == "node/us-node-1 uncordoned"
    assert not us.core.read_node("us-node-1").spec.unschedulable
    assert "SchedulingDisabled" not in kubectl("get", "nodes").stdout


def test_drain_moves_every_pod_but_the_daemonset(
    sandbox: SandboxThread, kubectl: Kubectl, us: Clients
) -> None:
    """drain --ignore-daemonsets evicts web and cart pods; their replacements run elsewhere."""
    settled(sandbox)
    result = kubectl(
        "drain", "us-node-2", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout", "60s"
    )
    assert result.returncode == 0, result.stderr
    assert "node/us-node-2 drained" in result.stdout
    assert "ignoring DaemonSet-managed Pods: shop/log-agent-" in result.stderr
    left = us.core.list_pod_for_all_namespaces(field_selector="spec.nodeName=us-node-2").items
    assert [p.metadata.labels["app"] for p in left] == ["log-agent"]
    eventually(lambda: us.apps.read_namespaced_deployment("web", "shop").status.ready_replicas == 3)
    assert all(p.spec.node_name != "us-node-2" for p in web_pods(us))


def test_drain_retries_a_budget_refusal_until_it_frees(
    sandbox: SandboxThread, kubectl: Kubectl, us: Clients
) -> None:
    """Two web pods on one node: the second eviction gets 429, kubectl retries and succeeds."""
    settled(sandbox)
    us.apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 6}})
    eventually(lambda: us.apps.read_namespaced_deployment("web", "shop").status.ready_replicas == 6)
    # Replacements take 2 s to turn Ready, so kubectl's second, concurrent eviction is refused
    # whatever the machine's load; its retry 5 s later finds the budget free again.
    sandbox.call(lambda s: setattr(s.kube["us"].control, "ready_delay", 2.0))
    result = kubectl("drain", "us-node-1", "--ignore-daemonsets", "--timeout", "60s")
    assert result.returncode == 0, result.stderr
    assert "Cannot evict pod as it would violate the pod's disruption budget." in result.stderr
    assert "(will retry after 5s)" in result.stderr
    assert "node/us-node-1 drained" in result.stdout


def test_drain_of_a_whole_region_deadlocks_until_timeout(
    sandbox: SandboxThread, kubectl: Kubectl, us: Clients
) -> None:
    """With every node cordoned, the budget never frees and drain gives up at --timeout."""
    settled(sandbox)
    for node in ("us-node-1", "us-node-2", "us-node-3"):
        kubectl("cordon", node)
    first = kubectl("drain", "us-node-1", "--ignore-daemonsets", "--timeout", "20s")
    assert first.returncode == 0, first.stderr
    second = kubectl("drain", "us-node-2", "--ignore-daemonsets", "--timeout", "2s")
    assert second.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in second.stderr
    assert "global timeout reached: 2s" in second.stderr
    pending = [p for p in web_pods(us) if not p.spec.node_name]
    assert len(pending) == 1
    assert pending[0].status.conditions[0].reason == "Unschedulable"


def test_scale_and_rollout_status(sandbox: SandboxThread, kubectl: Kubectl, us: Clients) -> None:
    """scale sets spec.replicas through /scale; rollout status waits until all are available."""
    settled(sandbox)
    result = kubectl("scale", "deployment/web", "-n", "shop", "--replicas", "5")
    assert result.stdout.strip() == "deployment.apps/web scaled"
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout", "30s")
    assert status.returncode == 0, status.stderr
    assert 'deployment "web" successfully rolled out' in status.stdout
    dep = us.apps.read_namespaced_deployment("web", "shop")
    assert (dep.spec.replicas, dep.status.available_replicas) == (5, 5)


def test_scale_to_zero_omits_zero_status_fields(
    sandbox: SandboxThread, kubectl: Kubectl, us: Clients
) -> None:
    """At zero replicas the status has no replicas/readyReplicas fields, as a real apiserver."""
    settled(sandbox)
    kubectl("scale", "deployment/web", "-n", "shop", "--replicas", "0")
    eventually(lambda: not web_pods(us))
    status = us.apps.read_namespaced_deployment("web", "shop").status
    assert status.replicas is None and status.ready_replicas is None
    assert status.observed_generation == 2


def test_rollout_of_a_new_image(sandbox: SandboxThread, kubectl: Kubectl, us: Clients) -> None:
    """A strategic patch of the container image rolls out a new ReplicaSet to completion."""
    settled(sandbox)
    patch = '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2"}]}}}}'
    assert kubectl("patch", "deployment", "web", "-n", "shop", "-p", patch).returncode == 0
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout", "30s")
    assert 'deployment "web" successfully rolled out' in status.stdout
    images = {p.spec.containers[0].image for p in web_pods(us) if not p.metadata.deletion_timestamp}
    eventually(lambda: {p.spec.containers[0].image for p in web_pods(us)} == {"web:2"})
    assert images <= {"web:2", "registry.sandbox.test/shop/web:1.0"}
    container = us.apps.read_namespaced_deployment("web", "shop").spec.template.spec.containers[0]
    assert container.ports[0].container_port == 8080  # merged by name, not replaced


def test_statefulset_and_daemonset_rollout_status(sandbox: SandboxThread, kubectl: Kubectl) -> None:
    """rollout status reads cart's revisions and log-agent's scheduled counts as complete."""
    sts = kubectl("rollout", "status", "statefulset/cart", "-n", "shop", "--timeout", "30s")
    assert sts.returncode == 0, sts.stderr
    assert "partitioned roll out complete: 2 new pods have been updated..." in sts.stdout
    ds = kubectl("rollout", "status", "daemonset/log-agent", "-n", "shop", "--timeout", "30s")
    assert 'daemon set "log-agent" successfully rolled out' in ds.stdout


def test_auth_can_i_answers_per_identity(sandbox: SandboxThread, kubectl: Kubectl) -> None:
    """The operator may patch nodes; the viewer may list pods but not evict them."""
    assert kubectl("auth", "can-i", "patch", "nodes").stdout.strip() == "yes"
    denied = kubectl("auth", "can-i", "patch", "nodes", "--context", "sandbox-us-viewer")
    assert (denied.stdout.strip(), denied.returncode) == ("no", 1)
    listed = kubectl("auth", "can-i", "list", "pods", "-n", "shop", "--context=sandbox-us-viewer")
    assert listed.stdout.strip() == "yes"
    evict = kubectl(
        "auth", "can-i", "create", "pods/eviction", "-n", "shop", "--context=sandbox-us-viewer"
    )
    assert evict.stdout.strip() == "no"


def test_viewer_cordon_is_forbidden(sandbox: SandboxThread, kubectl: Kubectl, us: Clients) -> None:
    """kubectl cordon as the viewer prints RBAC's message and leaves the node alone.

    (kubectl 1.32 itself exits 0 after a failed cordon patch, so the exit code proves nothing.)
    """
    result = kubectl("cordon", "us-node-1", "--context", "sandbox-us-viewer")
    assert (
        'nodes "us-node-1" is forbidden: User "viewer" cannot patch resource "nodes" in API '
        'group "" at the cluster scope'
    ) in result.stderr
    assert not us.core.read_node("us-node-1").spec.unschedulable


def test_patch_types(sandbox: SandboxThread, kubectl: Kubectl, us: Clients) -> None:
    """strategic replaces the taints list, merge adds a label, json patch adds another."""
    taint = '{"spec":{"taints":[{"key":"drill","value":"on","effect":"NoSchedule"}]}}'
    assert kubectl("patch", "node", "us-node-3", "--type=strategic", "-p", taint).returncode == 0
    assert (
        kubectl(
            "patch",
            "node",
            "us-node-3",
            "--type=merge",
            "-p",
            '{"metadata":{"labels":{"drill":"yes"}}}',
        ).returncode
        == 0
    )
    assert (
        kubectl(
            "patch",
            "node",
            "us-node-3",
            "--type=json",
            "-p",
            '[{"op":"add","path":"/metadata/labels/step","value":"2"}]',
        ).returncode
        == 0
    )
    node = us.core.read_node("us-node-3")
    assert [(t.key, t.value, t.effect) for t in node.spec.taints] == [("drill", "on", "NoSchedule")]
    assert node.metadata.labels["drill"] == "yes" and node.metadata.labels["step"] == "2"
    assert node.metadata.labels["kubernetes.io/hostname"] == "us-node-3"


def test_bad_selectors_are_bad_requests(sandbox: SandboxThread, kubectl: Kubectl) -> None:
    """A malformed label selector or an unknown field label is a 400 kubectl reports."""
    bad_label = kubectl("get", "pods", "-n", "shop", "-l", "app in (web")
    assert bad_label.returncode == 1
    assert "Error from server (BadRequest)" in bad_label.stderr
    assert "unable to parse requirement" in bad_label.stderr
    bad_field = kubectl("get", "nodes", "--field-selector", "foo=bar")
    assert "field label not supported: foo" in bad_field.stderr


def test_statefulset_rolling_update(sandbox: SandboxThread, kubectl: Kubectl, us: Clients) -> None:
    """A new cart image replaces pods from the highest ordinal; rollout status sees it finish."""
    settled(sandbox)
    patch = '{"spec":{"template":{"spec":{"containers":[{"name":"cart","image":"cart:2"}]}}}}'
    assert kubectl("patch", "statefulset", "cart", "-n", "shop", "-p", patch).returncode == 0
    status = kubectl("rollout", "status", "statefulset/cart", "-n", "shop", "--timeout", "30s")
    assert status.returncode == 0, status.stderr
    assert "partitioned roll out complete: 2 new pods have been updated..." in status.stdout
    sts = us.apps.read_namespaced_stateful_set("cart", "shop")
    assert sts.status.current_revision == sts.status.update_revision
    assert sts.status.updated_replicas == 2
    pods = us.core.list_namespaced_pod("shop", label_selector="app=cart").items
    assert {p.spec.containers[0].image for p in pods} == {"cart:2"}
    assert {p.metadata.labels["controller-revision-hash"] for p in pods} == {
        sts.status.update_revision
    }


def test_get_watch_prints_rows(sandbox: SandboxThread, us: Clients, tmp_path: Path) -> None:
    """``kubectl get pods -w`` prints table rows for changes, e.g. a pod Terminating."""
    settled(sandbox)
    assert KUBECTL is not None
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": sandbox.info["kubeconfig"]}
    with subprocess.Popen(
        [
            KUBECTL,
            "--context",
            "sandbox-us",
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=cart",
            "--watch-only",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        time.sleep(1.5)
        us.core.delete_namespaced_pod("cart-1", "shop")
        eventually(
            lambda: [
                p
                for p in us.core.list_namespaced_pod(
                    "shop", field_selector="metadata.name=cart-1"
                ).items
                if p.status.phase == "Running" and not p.metadata.deletion_timestamp
            ]
        )
        time.sleep(0.5)
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    rows = [line.split() for line in out.splitlines()]
    assert ["cart-1", "1/1", "Terminating"] in [row[:3] for row in rows]
    assert ["cart-1", "1/1", "Running"] in [row[:3] for row in rows]


def test_rollout_undo_reuses_the_old_replicaset(
    sandbox: SandboxThread, kubectl: Kubectl, us: Clients
) -> None:
    """restart makes a second ReplicaSet; undo scales the first one back up, making no third."""
    settled(sandbox)
    first = {rs.metadata.name for rs in us.apps.list_namespaced_replica_set("shop").items}
    assert kubectl("rollout", "restart", "deployment/web", "-n", "shop").returncode == 0
    kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout", "30s")
    undo = kubectl("rollout", "undo", "deployment/web", "-n", "shop")
    assert undo.stdout.strip() == "deployment.apps/web rolled back"
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout", "30s")
    assert 'deployment "web" successfully rolled out' in status.stdout
    sets = {
        rs.metadata.name: rs.spec.replicas
        for rs in us.apps.list_namespaced_replica_set("shop").items
    }
    assert len(sets) == 2
    assert [sets[name] for name in first] == [3]


def test_get_events_is_served(sandbox: SandboxThread, kubectl: Kubectl) -> None:
    """``kubectl get events`` finds the resource (the twin records no events)."""
    result = kubectl("get", "events", "-n", "shop")
    assert result.returncode == 0
    assert "No resources found in shop namespace." in result.stderr


def test_get_all_lists_the_workloads(sandbox: SandboxThread, kubectl: Kubectl) -> None:
    """``kubectl get all`` finds pods, the Deployment, StatefulSet and DaemonSet by category."""
    settled(sandbox)
    out = kubectl("get", "all", "-n", "shop").stdout
    for name in (
        "pod/cart-0",
        "deployment.apps/web",
        "statefulset.apps/cart",
        "daemonset.apps/log-agent",
        "replicaset.apps/web-",
    ):
        assert name in out
