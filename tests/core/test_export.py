"""The gauges a run exports: names, label sets, and what is left out or NaN when not measured."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from drillkit.core.data import DataMetrics, WriteBack
from drillkit.core.export import Sample, data_samples, report_samples, run_samples
from drillkit.core.verdict import Outcome
from drillkit.spec.loader import load_drill
from tests.core.timeline_factory import us_outage
from tests.evidence.reports import DATA_DRILL, data_figures, data_report, make_report

NAME = re.compile(r"drillkit_[a-z_]+")
LABELS = {
    "drillkit_rto_part_seconds": ("vantage", "part"),
    "drillkit_rto_part_uncertainty_seconds": ("vantage", "part"),
    "drillkit_rpo_seconds": (),
    "drillkit_rpo_uncertainty_seconds": (),
    "drillkit_lost_writes": (),
    "drillkit_replication_lag_seconds": ("canary", "phase", "quantile"),
    "drillkit_replication_lag_uncertainty_seconds": ("canary", "phase", "quantile"),
    "drillkit_write_back_writes": ("canary", "state"),
    "drillkit_write_back_seconds": ("canary",),
    "drillkit_write_back_uncertainty_seconds": ("canary",),
    "drillkit_rpo_objective_seconds": (),
    "drillkit_lost_writes_objective": (),
}


def _by_name(samples: list[Sample]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = {}
    for sample in samples:
        out.setdefault(sample.name, []).append(sample)
    return out


def test_a_report_with_canaries_and_moved_vantage_points_has_every_new_gauge() -> None:
    """Each data and RTO-part gauge is there with its fixed label names; seconds gauges end in
    ``_seconds``, no gauge ends in ``_total``, and one name never mixes label sets."""
    samples = report_samples(data_report(), load_drill(DATA_DRILL).objectives)
    by_name = _by_name(samples)
    for name, labels in LABELS.items():
        assert name in by_name, name
        assert {tuple(k for k, _ in s.labels) for s in by_name[name]} == {labels}, name
    for name, group in by_name.items():
        assert NAME.fullmatch(name) and not name.endswith("_total"), name
        assert len({tuple(k for k, _ in s.labels) for s in group}) == 1, name
        keys = [s.labels for s in group]
        assert len(keys) == len(set(keys)), f"{name} repeats a label set"
    parts = {dict(s.labels)["part"] for s in by_name["drillkit_rto_part_seconds"]}
    assert parts == {"detect", "firstServerFlip", "allServersFlip", "clientTtl", "firstGoodHttp"}
    assert {dict(s.labels)["vantage"] for s in by_name["drillkit_rto_part_seconds"]} == {
        "new-york"
    }  # paris serves from eu all along: it has no parts
    lag = {tuple(v for _, v in s.labels) for s in by_name["drillkit_replication_lag_seconds"]}
    assert lag == {
        ("orders", phase, q) for phase in ("before", "during") for q in ("0.5", "0.95", "1")
    }
    states = {dict(s.labels)["state"] for s in by_name["drillkit_write_back_writes"]}
    assert states == {"accepted", "readable"}


def test_a_drill_without_canaries_exports_no_data_gauge() -> None:
    """No canary: no RPO, lost-writes, lag or write-back series at all (not zeros)."""
    names = {s.name for s in report_samples(make_report())}
    assert not names & {n for n in LABELS if "part" not in n}
    assert "drillkit_rto_part_seconds" in names


def test_figures_never_measured_are_nan_not_zero() -> None:
    """Nothing acknowledged: RPO, lost writes and every lag are NaN; a write-back never
    readable has NaN time but its counts; an RTO part that never completed (DNS never moved)
    is NaN; without metrics (no time scale) no data gauge is made."""
    [canary] = data_figures(writes=0).canaries
    never = replace(canary, write_back=WriteBack(2, 1, ("s-1",), None))
    values = {(s.name, s.labels): s.value for s in data_samples(DataMetrics((never,)), 0.1)}
    assert math.isnan(values[("drillkit_rpo_seconds", ())])
    assert math.isnan(values[("drillkit_lost_writes", ())])
    lag = [v for (name, _), v in values.items() if name == "drillkit_replication_lag_seconds"]
    assert len(lag) == 6 and all(math.isnan(v) for v in lag)
    orders = (("canary", "orders"),)
    assert math.isnan(values[("drillkit_write_back_seconds", orders)])
    assert values[("drillkit_write_back_writes", (*orders, ("state", "accepted")))] == 2.0
    assert values[("drillkit_write_back_writes", (*orders, ("state", "readable")))] == 1.0
    parts = {
        dict(s.labels)["part"]: s.value
        for s in report_samples(make_report(us_outage(flip=None)))
        if s.name == "drillkit_rto_part_seconds"
    }
    assert parts["detect"] == 27.5 and math.isnan(parts["firstServerFlip"])
    samples = run_samples(None, Outcome.ABORTED, 1.0, data=data_figures())
    assert not any(s.name.startswith("drillkit_rpo") for s in samples)
