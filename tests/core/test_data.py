"""Replication canary figures (lag, RPO, lost writes, write-back) from samples alone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drillkit.core.data import (
    CanaryReadSample,
    CanaryWriteSample,
    Interval,
    Role,
    canary_metrics,
    data_metrics,
    percentile,
    stopped_acknowledging,
)

T0 = 1_700_000_000.0


@dataclass
class World:
    """A simulated replication between two regions, with the truth kept beside the samples."""

    writes: list[CanaryWriteSample]
    reads: list[CanaryReadSample]
    true_lag: dict[str, float]
    true_lost: list[str]
    true_rpo: float
    every: float
    rtt: float


def simulate(
    every: float, rtt: float, lags: list[float], handled: list[float], down_at: float | None,
    *, end: float, lossy: bool,
) -> World:  # fmt: skip
    """Writes every ``every`` through the target until it refuses one; each acked write is polled
    on the survivor every ``every`` until found or ``end``. ``handled`` places each request's
    server instant inside its round trip (0..1)."""
    writes, reads, true_lag, lost = [], [], {}, []
    k = 0
    while True:
        sent = T0 + k * every
        at = sent + handled[k % len(handled)] * rtt
        doc = f"w{k}"
        up = down_at is None or at < down_at
        writes.append(CanaryWriteSample("orders", doc, Role.TARGET, sent, sent + rtt, up))
        if not up:
            break
        arrive = at + lags[k]
        if down_at is not None and arrive >= down_at and lossy:
            lost.append(doc)
            arrive = float("inf")
        elif down_at is not None and arrive >= down_at:
            arrive = float("inf")  # late: after the drill here
        else:
            true_lag[doc] = lags[k]
        poll, last_miss, polls = sent + rtt, None, 0
        while poll < end:
            polls += 1
            if poll + handled[(k + polls) % len(handled)] * rtt >= arrive:
                reads.append(CanaryReadSample("orders", doc, Role.SURVIVOR, True, last_miss,
                                              poll + rtt, polls))  # fmt: skip
                break
            last_miss, poll = poll, poll + every
        else:
            reads.append(CanaryReadSample("orders", doc, Role.SURVIVOR, False, last_miss, None,
                                          polls))  # fmt: skip
        k += 1
        if k == len(lags):
            break
    lost += [w.id for w in writes if w.acked and w.id not in true_lag
                                and w.id not in lost]  # fmt: skip
    first_lost = next((w for w in writes if w.id in lost), None)
    true_rpo = 0.0
    if first_lost is not None and down_at is not None:
        first_at = first_lost.sent_at + handled[int(first_lost.id[1:]) % len(handled)] * rtt
        true_rpo = max(0.0, down_at - first_at)
    return World(writes, reads, true_lag, lost, true_rpo, every, rtt)


scenarios = st.builds(
    lambda every, rtt, lags, handled, down, lossy: (every, rtt, lags, handled, down, lossy),
    st.floats(0.05, 0.5),
    st.floats(0.001, 0.04),
    st.lists(st.floats(0.0, 2.0), min_size=5, max_size=40),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=7),
    st.floats(0.2, 1.0),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(scenarios)
def test_every_measured_lag_brackets_the_truth_within_one_every(scenario: tuple) -> None:  # type: ignore[type-arg]
    """Each readable write's lag interval contains the true lag, and is at most one `every`
    plus two round trips wide."""
    every, rtt, lags, handled, down_share, lossy = scenario
    down_at = T0 + down_share * every * len(lags)
    world = simulate(every, rtt, lags, handled, down_at, end=down_at + 10, lossy=lossy)
    metrics = canary_metrics("orders", world.writes, world.reads, fault_at=T0, restored_at=None)
    for point in metrics.points:
        truth = world.true_lag[point.id]
        assert point.lag.low - 1e-6 <= truth <= point.lag.high + 1e-6
        assert point.lag.high - point.lag.low <= every + 2 * rtt + 1e-6


@settings(max_examples=150, deadline=None)
@given(scenarios)
def test_lost_writes_are_exactly_the_unreplicated_ones_and_rpo_brackets_the_truth(
    scenario: tuple,  # type: ignore[type-arg]
) -> None:
    """The lost ids are exactly those never replicated, oldest first, and the RPO interval
    (target stopped minus the oldest lost write) contains the true RPO within one `every`."""
    every, rtt, lags, handled, down_share, lossy = scenario
    down_at = T0 + down_share * every * len(lags)
    world = simulate(every, rtt, lags, handled, down_at, end=down_at + 10, lossy=lossy)
    metrics = canary_metrics("orders", world.writes, world.reads, fault_at=T0, restored_at=None)
    assert list(metrics.lost) == world.true_lost
    if world.true_lost and metrics.stopped is not None:
        assert metrics.rpo.low - 1e-6 <= world.true_rpo <= metrics.rpo.high + 1e-6
        assert metrics.rpo.half <= every / 2 + rtt + 1e-6
    if not world.true_lost:
        assert metrics.rpo == Interval(0.0, 0.0)


def test_a_lossless_run_has_no_lost_writes_and_zero_rpo() -> None:
    """Every acked write readable: nothing lost, RPO 0, lag split before and during the fault."""
    world = simulate(0.1, 0.01, [0.25] * 20, [0.5], None, end=T0 + 10, lossy=False)
    metrics = canary_metrics("orders", world.writes, world.reads, fault_at=T0 + 1.0,
                             restored_at=None)  # fmt: skip
    assert metrics.lost == () and metrics.rpo == Interval(0.0, 0.0) and metrics.stopped is None
    assert metrics.lag_before.count == 10 and metrics.lag_during.count == 10
    assert metrics.lag_before.p50 is not None
    assert metrics.lag_before.p50.low <= 0.25 <= metrics.lag_before.p50.high


def test_rpo_is_counted_back_from_the_refusal_and_names_the_oldest_lost_write() -> None:
    """Acked w0 readable, w1 and w2 lost, w3 refused: RPO is from w1's write to the refusal."""

    def w(i: int, acked: bool = True) -> CanaryWriteSample:
        return CanaryWriteSample("o", f"w{i}", Role.TARGET, T0 + i, T0 + i + 0.01, acked)

    writes = [w(0), w(1), w(2), w(3, acked=False)]
    reads = [
        CanaryReadSample("o", "w0", Role.SURVIVOR, True, T0 + 0.5, T0 + 0.61, 2),
        CanaryReadSample("o", "w1", Role.SURVIVOR, False, T0 + 9, None, 9),
    ]  # w2 has no read record at all: still lost
    metrics = canary_metrics("o", writes, reads, fault_at=T0 + 0.5, restored_at=None)
    assert metrics.lost == ("w1", "w2")
    assert metrics.stopped == Interval(T0 + 2, T0 + 3.01)
    assert metrics.rpo.low == pytest.approx(2 - 1.01) and metrics.rpo.high == pytest.approx(2.01)
    assert metrics.refused == 1


def test_without_a_refusal_rpo_is_counted_back_from_the_fault() -> None:
    """A target that never refused: the loss is measured back from the fault instant."""
    writes = [CanaryWriteSample("o", "a", Role.TARGET, T0, T0 + 0.02, True)]
    metrics = canary_metrics("o", writes, [], fault_at=T0 + 3, restored_at=None)
    assert metrics.stopped is None
    assert metrics.rpo.low == pytest.approx(2.98) and metrics.rpo.high == pytest.approx(3.0)


def test_write_back_counts_survivor_writes_readable_through_the_target_after_restore() -> None:
    """Survivor writes read back through the target: counted, and timed from restore's end to
    the last one found; a missing one is named and leaves the time unknown."""
    restored = T0 + 10
    writes = [CanaryWriteSample("o", f"s{i}", Role.SURVIVOR, T0 + 5 + i, T0 + 5.01 + i, True)
              for i in range(3)] + [CanaryWriteSample("o", "s9", Role.SURVIVOR, T0 + 8, T0 + 8.01,
                                                      False)]  # fmt: skip
    reads = [CanaryReadSample("o", f"s{i}", Role.TARGET, True, restored + 0.1 * i,
                              restored + 0.1 * i + 0.12, 3) for i in range(3)]  # fmt: skip
    back = canary_metrics("o", writes, reads, fault_at=T0, restored_at=restored).write_back
    assert (back.accepted, back.readable, back.missing) == (3, 3, ())
    assert back.time == Interval(pytest.approx(0.2), pytest.approx(0.32))  # type: ignore[arg-type]
    missing = canary_metrics("o", writes, reads[:2], fault_at=T0, restored_at=restored).write_back
    assert (missing.readable, missing.missing, missing.time) == (2, ("s2",), None)


def test_percentiles_are_nearest_rank_by_midpoint() -> None:
    """p50 of 1..10 is 5, p95 is 10, and an empty list has none."""
    values = [Interval(v, v) for v in range(10, 0, -1)]
    assert percentile(values, 0.5) == Interval(5, 5)
    assert percentile(values, 0.95) == Interval(10, 10)
    assert percentile([], 0.5) is None


def test_stopped_ignores_refusals_before_the_fault() -> None:
    """A refused write in the baseline is not the outage."""
    writes = [CanaryWriteSample("o", "a", Role.TARGET, T0, T0 + 0.1, False),
              CanaryWriteSample("o", "b", Role.TARGET, T0 + 1, T0 + 1.1, True),
              CanaryWriteSample("o", "c", Role.TARGET, T0 + 3, T0 + 3.1, False)]  # fmt: skip
    assert stopped_acknowledging(writes, T0 + 2) == Interval(T0 + 2, T0 + 3.1)


def test_data_metrics_keeps_file_order_and_the_worst_rpo() -> None:
    """Canaries come back in drill-file order; the run's RPO is the worst canary's."""
    writes = [CanaryWriteSample("b", "x", Role.TARGET, T0, T0 + 0.1, True)]
    metrics = data_metrics(["a", "b"], writes, [], fault_at=T0 + 1, restored_at=None)
    assert [c.name for c in metrics.canaries] == ["a", "b"]
    assert metrics.lost == ("x",) and metrics.rpo is not None and metrics.rpo.mid > 0.9
    assert Interval(1.0, 1.2).text(0.1) == "11.00 ± 1.00 s"
