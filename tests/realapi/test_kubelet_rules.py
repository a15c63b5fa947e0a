"""The kubelet stand-in's placement rules (what the default scheduler's filters would allow)."""

from __future__ import annotations

from kubernetes.client import (
    V1Affinity,
    V1Container,
    V1Node,
    V1NodeAffinity,
    V1NodeSelector,
    V1NodeSelectorRequirement,
    V1NodeSelectorTerm,
    V1NodeSpec,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
    V1Taint,
    V1Toleration,
)

from tests.realapi.kubelet import admits


def _node(
    name: str = "us-node-1", unschedulable: bool = False, taints: list[V1Taint] | None = None
) -> V1Node:
    return V1Node(
        metadata=V1ObjectMeta(name=name, labels={"kubernetes.io/hostname": name}),
        spec=V1NodeSpec(unschedulable=unschedulable or None, taints=taints),
    )


def _pod(tolerations: list[V1Toleration] | None = None, pinned: str | None = None) -> V1Pod:
    affinity = None
    if pinned:
        field = V1NodeSelectorRequirement(key="metadata.name", operator="In", values=[pinned])
        affinity = V1Affinity(
            node_affinity=V1NodeAffinity(
                required_during_scheduling_ignored_during_execution=V1NodeSelector(
                    node_selector_terms=[V1NodeSelectorTerm(match_fields=[field])]
                )
            )
        )
    spec = V1PodSpec(containers=[V1Container(name="c")], tolerations=tolerations, affinity=affinity)
    return V1Pod(metadata=V1ObjectMeta(name="p", namespace="shop"), spec=spec)


def test_plain_node_admits_a_plain_pod() -> None:
    """An untainted schedulable node takes any pod."""
    assert admits(_node(), _pod())


def test_cordoned_node_refuses_unless_tolerated() -> None:
    """spec.unschedulable refuses pods, except those tolerating the unschedulable taint."""
    tolerate = V1Toleration(
        key="node.kubernetes.io/unschedulable", operator="Exists", effect="NoSchedule"
    )
    assert not admits(_node(unschedulable=True), _pod())
    assert admits(_node(unschedulable=True), _pod(tolerations=[tolerate]))


def test_noschedule_taint_refuses_unless_tolerated() -> None:
    """A NoSchedule taint refuses pods without a matching toleration (key and value)."""
    taint = V1Taint(key="dedicated", value="db", effect="NoSchedule")
    wrong = V1Toleration(key="dedicated", operator="Equal", value="web")
    right = V1Toleration(key="dedicated", operator="Equal", value="db", effect="NoSchedule")
    assert not admits(_node(taints=[taint]), _pod())
    assert not admits(_node(taints=[taint]), _pod(tolerations=[wrong]))
    assert admits(_node(taints=[taint]), _pod(tolerations=[right]))


def test_prefer_noschedule_taint_does_not_refuse() -> None:
    """PreferNoSchedule is a preference, not a filter."""
    taint = V1Taint(key="soft", effect="PreferNoSchedule")
    assert admits(_node(taints=[taint]), _pod())


def test_daemonset_pod_goes_only_to_its_pinned_node() -> None:
    """A pod pinned with matchFields metadata.name fits that node only."""
    pod = _pod(pinned="us-node-2")
    assert admits(_node("us-node-2"), pod)
    assert not admits(_node("us-node-1"), pod)
