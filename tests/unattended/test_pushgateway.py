"""Run metrics pushed with prometheus-client to a real Pushgateway (Debian's 1.5), read back."""

from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from drillkit.adapters.pushgateway import PushgatewaySink
from drillkit.core.export import report_samples, run_samples
from drillkit.core.rto_parts import PARTS, rto_parts
from drillkit.core.verdict import Outcome
from drillkit.errors import TransientAdapterError
from drillkit.evidence.document import evidence_document
from drillkit.spec.loader import load_drill
from tests.evidence.reports import DATA_DRILL, data_report
from tests.realapi.processes import free_port
from tests.unattended.factories import sample_metrics as _metrics
from tests.unattended.servers import read_text


def _scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(read_text(f"{url}/metrics")):
        for sample in family.samples:
            if sample.name.startswith("drillkit_"):
                found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def _key(
    name: str, drill: str = "us-outage", **labels: str
) -> tuple[str, frozenset[tuple[str, str]]]:
    base = {"job": "drillkit", "drill": drill, "target": "us", "instance": ""}
    return name, frozenset({**base, **labels}.items())


def test_every_metric_reaches_the_pushgateway_with_drill_and_target(pushgateway_url: str) -> None:
    """RTO, time to detect, per-vantage DNS failover, failback, verdict and timestamps are all
    served by the Pushgateway's /metrics, each labelled job, drill and target."""
    sink = PushgatewaySink(pushgateway_url, "drillkit")
    sink.push(
        run_samples(_metrics(95.0), Outcome.PASS, 1_790_000_000.0),
        {"drill": "us-outage", "target": "us"},
    )
    scraped = _scrape(pushgateway_url)
    assert scraped[_key("drillkit_rto_seconds")] == 95.0
    assert scraped[_key("drillkit_time_to_detect_seconds")] == 30.0
    assert scraped[_key("drillkit_failback_seconds")] == 60.0
    assert scraped[_key("drillkit_dns_failover_seconds", vantage="new-york")] == 41.5
    assert scraped[_key("drillkit_dns_failover_seconds", vantage="paris")] == 38.0
    assert scraped[_key("drillkit_verdict", outcome="pass")] == 1.0
    assert scraped[_key("drillkit_verdict", outcome="fail")] == 0.0
    assert scraped[_key("drillkit_last_run_timestamp_seconds")] == 1_790_000_000.0
    assert scraped[_key("drillkit_last_success_timestamp_seconds")] == 1_790_000_000.0


def test_a_failed_run_keeps_the_last_success_and_blanks_what_it_did_not_measure(
    pushgateway_url: str,
) -> None:
    """A later aborted run replaces the verdict and RTO (NaN: not measured) but leaves the last
    success timestamp, so "no successful drill in 30 days" keeps counting from the right day."""
    sink = PushgatewaySink(pushgateway_url, "drillkit")
    grouping = {"drill": "us-outage", "target": "us"}
    sink.push(run_samples(_metrics(95.0), Outcome.PASS, 1_790_000_000.0), grouping)
    sink.push(run_samples(_metrics(None), Outcome.ABORTED, 1_790_086_400.0), grouping)
    scraped = _scrape(pushgateway_url)
    assert math.isnan(scraped[_key("drillkit_rto_seconds")])
    assert scraped[_key("drillkit_verdict", outcome="aborted")] == 1.0
    assert scraped[_key("drillkit_verdict", outcome="pass")] == 0.0
    assert scraped[_key("drillkit_last_run_timestamp_seconds")] == 1_790_086_400.0
    assert scraped[_key("drillkit_last_success_timestamp_seconds")] == 1_790_000_000.0


def test_an_unreachable_pushgateway_is_a_transient_error() -> None:
    """A refused connection becomes a TransientAdapterError naming the Pushgateway."""
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TransientAdapterError, match=r"pushing metrics to http://127"):
        PushgatewaySink(url, "drillkit", timeout_s=2).push(
            run_samples(None, Outcome.ABORTED, 1.0), {"drill": "d", "target": "t"}
        )


def test_the_data_figures_and_rto_parts_reach_the_pushgateway_as_the_report_has_them(
    pushgateway_url: str,
) -> None:
    """A report with a canary (two writes lost) and a vantage point that moved, exported as
    the engine does: RPO and its uncertainty, lost writes, lag per phase and quantile,
    write-back, the rpo/lostWrites objectives and every RTO part with its uncertainty read back
    equal to the report's figures (real-world s), and to the JSON evidence's rounded ones, on
    a Pushgateway that started empty."""
    assert _scrape(pushgateway_url) == {}
    report = data_report()
    drill = load_drill(DATA_DRILL)
    PushgatewaySink(pushgateway_url, "drillkit").push(
        report_samples(report, drill.objectives), {"drill": "us-outage-data", "target": "us"}
    )
    scraped = _scrape(pushgateway_url)

    def got(name: str, **labels: str) -> float:
        return scraped[_key(name, "us-outage-data", **labels)]

    scale = report.timeline.time_scale
    data = report.data
    assert data.rpo is not None and data.rpo.mid > 0 and len(data.lost) == 2
    assert got("drillkit_rpo_seconds") == data.rpo.mid / scale
    assert got("drillkit_rpo_uncertainty_seconds") == data.rpo.half / scale
    assert got("drillkit_lost_writes") == 2.0
    assert got("drillkit_rpo_objective_seconds") == 5.0
    assert got("drillkit_lost_writes_objective") == 0.0
    [canary] = data.canaries
    for phase, summary in (("before", canary.lag_before), ("during", canary.lag_during)):
        for quantile, value in (("0.5", summary.p50), ("0.95", summary.p95), ("1", summary.max)):
            assert value is not None
            labels = {"canary": "orders", "phase": phase, "quantile": quantile}
            assert got("drillkit_replication_lag_seconds", **labels) == value.mid / scale
            assert got("drillkit_replication_lag_uncertainty_seconds", **labels) == (
                value.half / scale
            )
    back = canary.write_back
    assert back.time is not None
    assert got("drillkit_write_back_writes", canary="orders", state="accepted") == 2.0
    assert got("drillkit_write_back_writes", canary="orders", state="readable") == 2.0
    assert got("drillkit_write_back_seconds", canary="orders") == back.time.mid / scale
    assert got("drillkit_write_back_uncertainty_seconds", canary="orders") == back.time.half / scale
    [moved] = rto_parts(report.timeline, report.metrics)
    for part in PARTS:
        measure = moved.parts[part]
        assert measure is not None
        assert got("drillkit_rto_part_seconds", vantage="new-york", part=part) == measure.real
        assert got("drillkit_rto_part_uncertainty_seconds", vantage="new-york", part=part) == (
            measure.real_pm
        )
    assert not any(dict(labels).get("vantage") == "paris" for name, labels in scraped
                   if name.startswith("drillkit_rto_part"))  # fmt: skip
    document = evidence_document(report)
    assert got("drillkit_rpo_seconds") == pytest.approx(document["data"]["rpo"]["realS"], abs=1e-3)
    [json_parts] = document["rtoParts"]["vantagePoints"]
    for part in PARTS:
        assert got("drillkit_rto_part_seconds", vantage="new-york", part=part) == pytest.approx(
            json_parts[part]["realS"], abs=1e-3
        )
