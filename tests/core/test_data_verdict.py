"""The rpo and lostWrites objectives, judged like rto, and how a miss reads."""

from __future__ import annotations

import pytest

from drillkit.core.data import CanaryReadSample, CanaryWriteSample, Role, data_metrics
from drillkit.core.data_verdict import judge_data
from drillkit.core.metrics import compute_metrics
from drillkit.core.verdict import Outcome, decide_verdict
from drillkit.spec.model import Objectives
from tests.core.timeline_factory import T0, us_outage

SCALE = 0.1


def objectives(**values: object) -> Objectives:
    return Objectives.model_validate(values)


def run(lost: int, *, acked: int = 5, refusal: bool = True):  # type: ignore[no-untyped-def]
    """``acked`` target writes one second apart before a refusal at T0+10; the last ``lost``
    of them never readable on eu."""
    writes = [CanaryWriteSample("orders", f"o-{i}", Role.TARGET, T0 + 5 + i, T0 + 5.01 + i, True)
              for i in range(acked)]  # fmt: skip
    if refusal:
        writes.append(CanaryWriteSample("orders", "o-x", Role.TARGET, T0 + 10, T0 + 10.01, False))
    reads = [CanaryReadSample("orders", w.id, Role.SURVIVOR, True, None, w.answered_at + 0.2, 1)
             for w in writes[: acked - lost]]  # fmt: skip
    return data_metrics(["orders"], writes, reads, fault_at=T0 + 7.5, restored_at=None)


def test_rpo_is_judged_on_the_midpoint_in_real_world_seconds_with_its_uncertainty() -> None:
    """Two writes lost (from T0+8) before the refusal bracket [T0+9, T0+10.01]: the RPO
    midpoint is about 1.5 s measured, 15 s real; a 20 s objective holds, a 10 s one misses."""
    data = run(lost=2)
    [held] = judge_data(data, objectives(rpo="20s"), SCALE)
    assert held.held and held.measured is not None and held.uncertainty is not None
    assert held.measured.real == pytest.approx(15.0, abs=0.2)
    assert held.uncertainty.real == pytest.approx(5.1, abs=0.2)
    [missed] = judge_data(data, objectives(rpo="10s"), SCALE, survivors="eu")
    assert not missed.held
    assert missed.detail is not None and missed.detail.startswith("rpo was 15.")
    assert "never reached eu" in missed.detail


def test_lost_writes_fail_an_objective_of_zero_and_name_every_id() -> None:
    """lostWrites: 0 with two lost writes misses, and the sentence names both ids."""
    [result] = judge_data(run(lost=2), objectives(lostWrites=0), SCALE, survivors="eu")
    assert not result.held and result.measured is not None and result.measured.measured == 2
    assert result.detail == (
        "lostWrites: 2 acknowledged writes never readable on eu: o-3, o-4 (objective 0)"
    )
    [ok] = judge_data(run(lost=0), objectives(lostWrites=0), SCALE)
    assert ok.held and ok.detail is None and ok.unit == "writes"


def test_nothing_acknowledged_means_nothing_measured() -> None:
    """A target that acknowledged no write measures neither objective: both miss, saying why."""
    results = judge_data(run(lost=0, acked=0), objectives(rpo="5s", lostWrites=0), SCALE)
    assert [r.held for r in results] == [False, False]
    assert all("never measured" in (r.detail or "") for r in results)


def test_a_missed_data_objective_fails_the_verdict_with_its_sentence() -> None:
    """decide_verdict takes the data results as extra objectives; a miss reads in the reason."""
    timeline = us_outage()
    extra = judge_data(run(lost=1), objectives(lostWrites=0), SCALE, survivors="eu")
    verdict = decide_verdict(timeline, compute_metrics(timeline), objectives(), extra=extra)
    assert verdict.outcome is Outcome.FAIL
    assert "lostWrites: 1 acknowledged write never readable on eu: o-4" in verdict.reason


def test_long_lists_of_lost_ids_are_cut_in_the_sentence() -> None:
    """Past twenty ids the sentence says how many more (evidence lists them all)."""
    [result] = judge_data(run(lost=25, acked=25), objectives(lostWrites=0), SCALE)
    assert result.detail is not None and result.detail.endswith("and 5 more (objective 0)")
