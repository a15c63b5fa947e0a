"""Run metrics pushed with prometheus-client to a real Pushgateway (Debian's 1.5), read back."""

from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from drillkit.adapters.pushgateway import PushgatewaySink
from drillkit.core.export import run_samples
from drillkit.core.verdict import Outcome
from drillkit.errors import TransientAdapterError
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


def _key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    base = {"job": "drillkit", "drill": "us-outage", "target": "us", "instance": ""}
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
