"""Push a run's gauges to a Prometheus Pushgateway with the prometheus-client library.

The group is ``job``/``drill``/``target``; it is pushed with POST (``pushadd``): "POST works
exactly like the PUT method but only metrics with the same name as the newly pushed metrics are
replaced" (https://github.com/prometheus/pushgateway#post-method), so the last-success timestamp
of an earlier passing run survives a failed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drillkit.adapters.errors import short
from drillkit.core.export import Sample
from drillkit.errors import TransientAdapterError


class PushgatewaySink:
    """``MetricsSink`` for one Pushgateway and job."""

    def __init__(self, url: str, job: str, *, timeout_s: float = 10.0) -> None:
        self._url = url.rstrip("/")
        self._job = job
        self._timeout_s = timeout_s

    def push(self, samples: Sequence[Sample], grouping: dict[str, str]) -> None:
        """Push every sample under ``grouping`` (in addition to the job)."""
        from prometheus_client import CollectorRegistry, Gauge, pushadd_to_gateway

        registry = CollectorRegistry()
        gauges: dict[str, Any] = {}
        for sample in samples:
            names = tuple(k for k, _ in sample.labels)
            gauge = gauges.get(sample.name)
            if gauge is None:
                gauge = Gauge(sample.name, sample.help, names, registry=registry)
                gauges[sample.name] = gauge
            (gauge.labels(*[v for _, v in sample.labels]) if names else gauge).set(sample.value)
        try:
            pushadd_to_gateway(
                self._url,
                job=self._job,
                registry=registry,
                grouping_key=grouping,
                timeout=self._timeout_s,
            )
        except OSError as e:  # urllib's URLError and HTTPError are OSErrors
            raise TransientAdapterError(f"pushing metrics to {self._url} failed: {short(e)}") from e
