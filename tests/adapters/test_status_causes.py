"""A blocked eviction says which PodDisruptionBudget blocked it, from the Status's causes."""

from __future__ import annotations

import json

from drillkit.adapters.errors import status_causes
from drillkit.adapters.ports import Eviction, EvictionResult
from drillkit.engine.mutator import _detail

BUDGET = "The disruption budget web needs 3 healthy pods and has 2 currently"
STATUS = {
    "kind": "Status",
    "message": "Cannot evict pod as it would violate the pod's disruption budget.",
    "reason": "TooManyRequests",
    "details": {"causes": [{"reason": "DisruptionBudget", "message": BUDGET}]},
    "code": 429,
}  # fmt: skip


def test_causes_are_read_from_the_status_body():
    """details.causes[].message is returned; a body without causes gives none."""
    assert status_causes(json.dumps(STATUS).encode()) == [BUDGET]
    assert status_causes(b'{"kind": "Status", "message": "x"}') == []
    assert status_causes(b"not json") == []


def test_a_blocked_result_detail_names_the_budget():
    """The journalled result of a blocked eviction carries the budget's message."""
    blocked = EvictionResult(Eviction.BLOCKED, None, "The disruption budget web needs 3")
    assert _detail(blocked) == "blocked: The disruption budget web needs 3"
    assert _detail(EvictionResult(Eviction.EVICTED)) == "evicted"
