"""The Alertmanager adapter against a real Alertmanager 0.25 (Debian's), through its v2 API.

API reference: https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from drillkit.adapters.alertmanager import AlertmanagerClient
from drillkit.errors import TransientAdapterError
from drillkit.spec.matchers import parse_matchers
from tests.realapi.processes import free_port
from tests.unattended.servers import post_alert


def _name() -> str:
    return f"Test{uuid.uuid4().hex[:8]}"


def test_firing_filters_by_every_matcher(alertmanager_url: str) -> None:
    """GET /api/v2/alerts with ``filter`` ("A list of matchers to filter alerts by") keeps only
    alerts that match all of them."""
    name = _name()
    post_alert(alertmanager_url, {"alertname": name, "severity": "critical", "region": "eastus"})
    post_alert(alertmanager_url, {"alertname": name, "severity": "warning", "region": "eastus"})
    client = AlertmanagerClient(alertmanager_url)
    try:
        found = client.firing(
            parse_matchers([f'alertname="{name}"', 'severity="critical"']), include_silenced=False
        )
        regex = client.firing(
            parse_matchers([f"alertname={name}", 'severity=~"crit.*|warn.*"']),
            include_silenced=False,
        )
    finally:
        client.close()
    assert [a.labels["severity"] for a in found] == ["critical"]
    assert found[0].describe() == f'{name}{{region="eastus",severity="critical"}}'
    assert sorted(a.labels["severity"] for a in regex) == ["critical", "warning"]


def test_a_silence_hides_its_alerts_until_it_is_expired(alertmanager_url: str) -> None:
    """POST /api/v2/silences returns a silenceID; its alerts turn ``suppressed``, and
    DELETE /api/v2/silence/{silenceID} ("Delete a silence by its ID") expires it."""
    name = _name()
    post_alert(alertmanager_url, {"alertname": name, "severity": "critical"})
    matchers = parse_matchers([f'alertname="{name}"'])
    client = AlertmanagerClient(alertmanager_url)
    try:
        ref = client.silence(
            matchers,
            comment="drillkit game day run-1",
            created_by="drillkit",
            ends_at=datetime.now(UTC) + timedelta(minutes=30),
        )
        assert client.state(ref.id) == "active"
        assert client.firing(matchers, include_silenced=False) == []
        silenced = client.firing(matchers, include_silenced=True)
        assert [(a.state, a.silenced_by) for a in silenced] == [("suppressed", (ref.id,))]
        assert client.expire(ref.id) is True
        assert client.state(ref.id) == "expired"
        assert client.expire(ref.id) is False, "expiring twice is a no-op (restore is idempotent)"
        assert [a.state for a in client.firing(matchers, include_silenced=False)] == ["active"]
    finally:
        client.close()


def test_expiring_an_unknown_silence_is_a_no_op(alertmanager_url: str) -> None:
    """A silence that Alertmanager no longer knows (404) counts as already expired."""
    client = AlertmanagerClient(alertmanager_url)
    try:
        assert client.expire(str(uuid.uuid4())) is False
    finally:
        client.close()


def test_an_unreachable_alertmanager_is_a_transient_error() -> None:
    """A refused connection becomes a TransientAdapterError naming the Alertmanager."""
    url = f"http://127.0.0.1:{free_port()}"
    client = AlertmanagerClient(url, timeout_s=2)
    try:
        with pytest.raises(TransientAdapterError, match=r"listing firing alerts at http://127"):
            client.firing(parse_matchers(['severity="critical"']), include_silenced=False)
    finally:
        client.close()


def test_a_bad_request_is_translated_at_the_border(alertmanager_url: str) -> None:
    """Alertmanager's 400 for a silence that ends before it starts becomes a drillkit error."""
    from drillkit.errors import PermanentAdapterError

    client = AlertmanagerClient(alertmanager_url)
    try:
        with pytest.raises(PermanentAdapterError, match=r"creating a silence .*\(400\)"):
            client.silence(
                parse_matchers(['alertname="x"']),
                comment="c",
                created_by="drillkit",
                ends_at=datetime.now(UTC) - timedelta(hours=1),
            )
    finally:
        client.close()
