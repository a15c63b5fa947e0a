"""The replicated store, stepped by hand on a fake clock: lag, pauses, losses, ground truth."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillkit.sandbox.data.settings import DataWorld, LagDistribution
from drillkit.sandbox.data.store import ReplicatedStore
from drillkit.spec.durations import Duration


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fixed(lag: str, on_down: str = "late") -> DataWorld:
    return DataWorld.model_validate(
        {"lag": {"distribution": "fixed", "median": lag}, "onSourceDown": on_down}
    )


def make(
    settings: DataWorld, scale: float = 1.0
) -> tuple[ReplicatedStore, Clock, dict[str, bool], list[dict[str, Any]]]:
    clock, up, events = Clock(), {"us": True, "eu": True}, []
    store = ReplicatedStore(["us", "eu"], settings, lambda r: up[r], time_scale=scale,
                            emit=events.append, clock=clock)  # fmt: skip
    return store, clock, up, events


def advance(store: ReplicatedStore, clock: Clock, seconds: float, step: float = 0.01) -> None:
    for _ in range(round(seconds / step)):
        clock.now += step
        store.step(clock.now)


def test_a_write_reaches_the_other_region_after_its_lag() -> None:
    """A write is readable at once where it was made and after the lag (x timeScale) elsewhere."""
    store, clock, _, events = make(fixed("2s"), scale=0.1)
    store.write("us", "a", b"{}")
    assert store.read("us", "a") is not None
    advance(store, clock, 0.15)
    assert store.read("eu", "a") is None
    advance(store, clock, 0.06)
    assert store.read("eu", "a") is not None
    [event] = events
    assert event["kind"] == "replicated" and event["id"] == "a"
    assert (event["from"], event["to"]) == ("us", "eu")
    assert event["lagS"] == pytest.approx(0.2, abs=0.011)


def test_replication_pauses_while_the_source_is_down_then_arrives_late() -> None:
    """With onSourceDown: late a copy stops moving while its source is down and arrives after."""
    store, clock, up, events = make(fixed("1s"))
    store.write("us", "a", b"{}")
    advance(store, clock, 0.5)
    up["us"] = False
    advance(store, clock, 3.0)
    assert store.read("eu", "a") is None and events == []
    up["us"] = True
    advance(store, clock, 0.49)
    assert store.read("eu", "a") is None
    advance(store, clock, 0.03)
    assert store.read("eu", "a") is not None
    assert events[0]["lagS"] == pytest.approx(4.0, abs=0.03)


def test_a_down_destination_holds_copies_until_it_is_back() -> None:
    """A copy towards a down region waits for it (write-back after failback)."""
    store, clock, up, events = make(fixed("1s"))
    up["us"] = False
    store.write("eu", "b", b"{}")
    advance(store, clock, 2.0)
    assert store.docs["us"] == {}
    up["us"] = True
    advance(store, clock, 1.02)
    assert "b" in store.docs["us"]
    assert [e["kind"] for e in events] == ["replicated"]


def test_a_lossy_world_drops_every_copy_in_flight_when_its_source_goes_down() -> None:
    """With onSourceDown: lost the writes in flight vanish, each one a `lost` event; later
    writes of the survivor still replicate."""
    store, clock, up, events = make(fixed("1s", "lost"))
    store.write("us", "early", b"{}")
    advance(store, clock, 1.1)
    store.write("us", "x", b"{}")
    advance(store, clock, 0.3)
    store.write("us", "y", b"{}")
    advance(store, clock, 0.3)
    up["us"] = False
    advance(store, clock, 0.05)
    up["us"] = True
    advance(store, clock, 3.0)
    assert sorted(store.docs["eu"]) == ["early"]
    lost = [e for e in events if e["kind"] == "lost"]
    assert sorted(e["id"] for e in lost) == ["x", "y"]
    assert all(e["from"] == "us" and e["to"] == "eu" for e in lost)


def test_a_newer_write_is_not_overwritten_by_an_older_copy() -> None:
    """Last writer wins: a late copy of an older version does not replace a newer document."""
    store, clock, _, _ = make(fixed("1s"))
    store.write("us", "a", b"old")
    advance(store, clock, 0.5)
    store.write("eu", "a", b"new")
    advance(store, clock, 2.0)
    assert store.docs["eu"]["a"].body == b"new"
    assert store.docs["us"]["a"].body == b"new"


@given(st.integers(0, 2**32), st.sampled_from(["fixed", "uniform", "lognormal"]))
def test_every_draw_stays_within_the_distribution_bounds(seed: int, kind: str) -> None:
    """A lag draw is never negative and never beyond ``max`` (lognormal is cut there)."""
    lag = LagDistribution(distribution=kind, median=Duration.parse("1s"),  # type: ignore[arg-type]
                          p95=Duration.parse("3s"), min=Duration.parse("200ms"),
                          max=Duration.parse("4s"))  # fmt: skip
    value = lag.draw(random.Random(seed))
    assert 0 <= value <= 4.0
    if kind != "fixed":
        assert value >= 0.2


def test_the_lognormal_lag_has_the_median_and_p95_it_was_given() -> None:
    """Over many draws the lognormal lag's median and 95th percentile match the settings."""
    lag = LagDistribution(median=Duration.parse("1s"), p95=Duration.parse("2s"),
                          max=Duration.parse("60s"))  # fmt: skip
    rng = random.Random(7)
    draws = sorted(lag.draw(rng) for _ in range(20_000))
    assert draws[10_000] == pytest.approx(1.0, rel=0.05)
    assert draws[19_000] == pytest.approx(2.0, rel=0.05)


def test_bad_lag_settings_are_refused() -> None:
    """A min above max, or a lognormal median above its p95, is a world error."""
    with pytest.raises(ValueError, match="above max"):
        LagDistribution(min=Duration.parse("5s"), max=Duration.parse("1s"))
    with pytest.raises(ValueError, match="median <= p95"):
        LagDistribution(median=Duration.parse("3s"), p95=Duration.parse("1s"))
