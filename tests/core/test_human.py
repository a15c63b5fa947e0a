"""The human timeline of a manual drill: paged, first action, each change, traffic moved, and
the time to act from the page (or the drill's start)."""

from __future__ import annotations

from dataclasses import replace

from drillkit.core.human import human_timeline
from drillkit.core.metrics import compute_metrics
from drillkit.core.timeline import Change
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill
from tests.conftest import US_OUTAGE
from tests.core.timeline_factory import T0, us_outage


def _manual(page: str | None) -> Drill:
    data = load_drill(US_OUTAGE).model_dump(mode="json", by_alias=True)
    data["fault"] = {"type": "manual", "instructions": "disable us", "namespace": "shop",
                     "page": page}  # fmt: skip
    return Drill.model_validate(data)


def _change(at: float, target: str, value: str) -> Change:
    return Change(at, "human-change", target, "us", value, reason="changed by kubectl")


def test_time_to_act_counts_from_the_page_and_lists_every_change() -> None:
    """Paged at T0-1.5, the first change is the fault at T0: 1.5 s to act; a second change is
    listed after it, and traffic moved at the RTO instant."""
    changes = (_change(T0 + 0.1, "tm/a", '"Disabled"'), _change(T0 + 2.0, "us/web", "0"))
    timeline = replace(us_outage(), changes=changes, paged_at=T0 - 1.5)
    human = human_timeline(_manual("CRITICAL"), timeline, compute_metrics(timeline))
    assert human is not None and human.since == "the page"
    assert human.time_to_act_s == 1.5
    assert [(s.event, s.at) for s in human.steps[:3]] == [
        ("paged", T0 - 1.5),
        ("first action", T0),
        ("change", T0 + 2.0),
    ]
    assert human.steps[-1].event == "traffic moved"
    assert human.steps[1].detail == 'tm/a to "Disabled" (changed by kubectl)'


def test_without_a_page_the_time_to_act_counts_from_the_start() -> None:
    """No fault.page: the time to act runs from the drill's start (the lock taken)."""
    timeline = replace(us_outage(), changes=(_change(T0, "tm/a", '"Disabled"'),))
    human = human_timeline(_manual(None), timeline, compute_metrics(timeline))
    assert human is not None and human.since == "the drill's start"
    assert human.time_to_act_s == T0 - timeline.started_at


def test_nobody_acted_has_no_time_to_act_and_other_faults_no_timeline() -> None:
    """Without a human change there is no time to act; a drain drill has no human timeline."""
    timeline = us_outage()
    human = human_timeline(_manual(None), timeline, compute_metrics(timeline))
    assert human is not None and human.time_to_act_s is None and human.acted_at is None
    assert human_timeline(load_drill(US_OUTAGE), timeline, compute_metrics(timeline)) is None
