"""The drain's pod decisions follow kubectl drain, with kube-system excluded by default."""

from __future__ import annotations

from drillkit.core.drainplan import DrainPolicy, PodFacts, plan_drain

WEB = PodFacts("shop", "web-1", "n1", "ReplicaSet")
DS = PodFacts("shop", "agent-1", "n1", "DaemonSet")
MIRROR = PodFacts("kube-system", "etcd-n1", "n1", None, mirror=True)
DNS = PodFacts("kube-system", "coredns-1", "n1", "ReplicaSet")
BARE = PodFacts("shop", "debug-shell", "n1", None)
SCRATCH = PodFacts("shop", "scratch-1", "n1", "ReplicaSet", empty_dir=True)
SELF = PodFacts("ops", "drillkit-1", "n1", "Job", own=True)


def test_daemonset_mirror_and_kube_system_pods_are_never_evicted() -> None:
    """DaemonSet and mirror pods are skipped; kube-system is excluded by default."""
    plan = plan_drain([WEB, DS, MIRROR, DNS], DrainPolicy())
    assert plan.evict == [WEB]
    assert {p.name for p, _ in plan.skipped} == {"agent-1", "etcd-n1", "coredns-1"}


def test_unmanaged_and_empty_dir_pods_are_refused_by_name() -> None:
    """kubectl drain "will not delete any pods unless you use --force" when one has no
    controller (kubernetes.io/docs/reference/kubectl/generated/kubectl_drain/)."""
    plan = plan_drain([WEB, BARE, SCRATCH], DrainPolicy())
    assert [p.name for p, _ in plan.refused] == ["debug-shell", "scratch-1"]
    assert "shop/debug-shell on n1: no controller" in plan.refusal()
    assert "emptyDir" in plan.refusal()


def test_force_and_delete_empty_dir_data_allow_them_and_the_lost_are_named() -> None:
    """With force and deleteEmptyDirData both go; the unmanaged one is "lost: no controller"."""
    plan = plan_drain([WEB, BARE, SCRATCH], DrainPolicy(force=True, delete_empty_dir_data=True))
    assert plan.refused == []
    assert plan.lost == [BARE]


def test_namespaces_select_and_override_the_exclusion() -> None:
    """fault.namespaces drains exactly those namespaces, kube-system included if listed."""
    plan = plan_drain([WEB, DNS], DrainPolicy(namespaces=["kube-system"]))
    assert plan.evict == [DNS]


def test_drillkit_never_evicts_its_own_pod() -> None:
    """drillkit's own pod on a drained node refuses the drain, even with force."""
    plan = plan_drain([WEB, SELF], DrainPolicy(force=True))
    assert [p.name for p, _ in plan.refused] == ["drillkit-1"]
