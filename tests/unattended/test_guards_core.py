"""Guard decisions on Alertmanager's answers: refuse naming each alert, abort only if unsilenced."""

from __future__ import annotations

from datetime import UTC, datetime

from drillkit.core.guards import FiringAlert, abort_reason, refusal, silence_until

CRIT = FiringAlert("DatabaseDown", {"alertname": "DatabaseDown", "severity": "critical"}, "active")
EXPECTED = FiringAlert(
    "StorefrontEastUSDown", {"alertname": "StorefrontEastUSDown"}, "suppressed", ("s-1",)
)


def test_refusal_names_every_firing_alert_and_says_nothing_changed() -> None:
    """The refusal names each alert with its labels, and says nothing was changed."""
    other = FiringAlert("DiskFull", {"alertname": "DiskFull", "severity": "critical"}, "active")
    message = refusal([CRIT, other], ['severity="critical"'])
    assert message is not None
    assert 'DatabaseDown{severity="critical"}; DiskFull{severity="critical"}' in message
    assert '2 alerts matching refuseIfFiring [severity="critical"] are firing' in message
    assert "Nothing was changed" in message
    assert refusal([], ['severity="critical"']) is None


def test_only_unsilenced_alerts_abort() -> None:
    """The drill's own silenced alert never aborts it; another critical one does."""
    assert abort_reason([EXPECTED]) is None
    reason = abort_reason([EXPECTED, CRIT])
    assert reason is not None and "DatabaseDown" in reason and "Storefront" not in reason


def test_the_silence_outlives_the_longest_drill_and_its_restore() -> None:
    """A silence left by a killed run still ends: max duration + restore deadline + margin."""
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert silence_until(start, 1200, 600, 600).isoformat() == "2026-12-01T10:40:00+00:00"
