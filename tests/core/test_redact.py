"""Secrets never survive redaction, whatever shape they arrive in."""

from __future__ import annotations

from drillkit.core.redact import REDACTED, redact, redact_text

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJlLXNlY3JldA"


def test_secret_named_keys_are_replaced() -> None:
    """Values under token/secret/password-like keys are replaced, nested too."""
    data = {
        "token": "abc",
        "nested": {"clientSecret": "s3"},
        "name": "web",
        "items": [{"password": 1}],
    }
    assert redact(data) == {
        "token": REDACTED,
        "nested": {"clientSecret": REDACTED},
        "name": "web",
        "items": [{"password": REDACTED}],
    }


def test_bearer_tokens_and_jwts_in_text_are_hidden() -> None:
    """A bearer header or a bare JWT inside a message is hidden."""
    text = f"GET / Authorization: Bearer {TOKEN} then {TOKEN}"
    cleaned = redact_text(text)
    assert TOKEN not in cleaned
    assert "Bearer [redacted]" in cleaned


def test_url_secrets_are_hidden() -> None:
    """Signature and token query parameters are hidden, the rest of the URL kept."""
    cleaned = redact_text("https://x.blob/c?sv=1&sig=SECRETSIG&se=2")
    assert "SECRETSIG" not in cleaned
    assert cleaned.startswith("https://x.blob/c?sv=1&sig=")
