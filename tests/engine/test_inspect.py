"""Predicting which PodDisruptionBudgets block a drain (pure part of `plan`'s inspection)."""

from __future__ import annotations

from drillkit.adapters.ports import NodeState, PdbState, PodRef
from drillkit.engine.inspect import predict_blocks
from drillkit.spec.model import DrainFault

FAULT = DrainFault.model_validate({"type": "drain", "evictionTimeout": "5s", "onBlocked": "abort"})
PODS = [PodRef("shop", f"web-{i}", f"n{i}", "ReplicaSet", labels=(("app", "web"),)) for i in (1, 2)]
PDB = PdbState("shop", "web", (("app", "web"),), 1)


def test_no_schedulable_node_left_means_the_budget_blocks() -> None:
    """Draining every node: beyond disruptionsAllowed, evictions stay blocked; abort is said."""
    nodes = [NodeState("n1", False), NodeState("n2", False)]
    blocks, notes = predict_blocks(FAULT, nodes, nodes, PODS, [PDB])
    assert notes == () and len(blocks) == 1
    assert blocks[0].blocked == ("shop/web-2",) and "onBlocked: abort" in blocks[0].then


def test_a_schedulable_node_elsewhere_means_no_deadlock() -> None:
    """With a node left schedulable, replacements start and budgets free up: no block."""
    blocks, notes = predict_blocks(
        FAULT, [NodeState("n1", False)], [NodeState("n1", False), NodeState("n3", False)],
        PODS[:1], [PDB],
    )  # fmt: skip
    assert blocks == () and "stay schedulable" in notes[0]
