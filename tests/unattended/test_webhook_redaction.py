"""Webhook URLs are secrets: the journal and the evidence never carry them."""

from __future__ import annotations

from drillkit.core.redact import REDACTED, redact, redact_text

SLACK = "https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX"
TEAMS = (
    "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRETSIG"
)
CONNECTOR = "https://contoso.webhook.office.com/webhookb2/1234@5678/IncomingWebhook/abcd/efgh"


def test_webhook_urls_are_redacted_wherever_they_appear() -> None:
    """Slack and Office 365 connector paths and the Teams workflow ``sig`` are hidden, in free
    text and inside the drill dump that run.started journals."""
    assert redact_text(f"posting to {SLACK} failed") == (
        f"posting to https://hooks.slack.com/services/{REDACTED} failed"
    )
    assert "SECRETSIG" not in redact_text(TEAMS)
    assert "IncomingWebhook" not in redact_text(CONNECTOR)
    drill = {"notify": {"webhooks": [{"url": SLACK, "format": "slack"}, {"url": TEAMS}]}}
    text = str(redact(drill))
    assert "XXXXXXXX" not in text and "SECRETSIG" not in text
    assert redact_text("https://example.com/hooks/plain") == "https://example.com/hooks/plain"
