"""Redaction of secrets before anything is logged, journalled or rendered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_KEYS = re.compile(
    r"(token|secret|password|passwd|authorization|api[-_]?key|credential|client[-_]?secret|"
    r"sas|signature|cookie)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_URL_SECRET = re.compile(r"(?i)([?&](?:sig|token|code|access_token|key)=)[^&\s]+")
# Chat webhooks whose secret is the URL path (notify.webhooks): Slack, and Office 365 connectors.
_WEBHOOK_PATH = re.compile(
    r"(?i)(https://(?:hooks\.slack\.com/(?:services|workflows|triggers)|"
    r"[a-z0-9.-]*webhook\.office\.com/webhookb2)/)[^\s\"'<>]+"
)


def redact_text(text: str) -> str:
    """Hide bearer tokens, JWTs and secret URL parameters inside free text."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _WEBHOOK_PATH.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _URL_SECRET.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def redact(value: Any, *, key: str = "") -> Any:
    """A copy of ``value`` with secret-named keys replaced and secrets in strings hidden."""
    if key and SECRET_KEYS.search(key) and value not in (None, "", False):
        return REDACTED
    if isinstance(value, Mapping):
        return {k: redact(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
