"""Translation of SDK exceptions into drillkit's tree, with bodies cut short and redacted."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from drillkit.core.redact import redact_text
from drillkit.errors import AdapterError, PermanentAdapterError, TransientAdapterError

BODY_LIMIT = 300
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}  # 409 needs a re-read, not a retry


def short(text: object, limit: int = BODY_LIMIT) -> str:
    """``text`` redacted and cut to ``limit`` characters."""
    value = redact_text(str(text)).replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds from a Retry-After header, when it is a number."""
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def status_causes(body: object) -> list[str]:
    """The ``details.causes[].message`` of a Kubernetes Status body (e.g. which
    PodDisruptionBudget blocked an eviction: "The disruption budget web needs 3 healthy pods
    and has 2 currently"); empty when there are none."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        data = json.loads(text)
    except ValueError:
        return []
    details = data.get("details") if isinstance(data, dict) else None
    causes = details.get("causes") if isinstance(details, dict) else None
    if not isinstance(causes, list):
        return []
    return [
        short(str(c["message"]), 200) for c in causes if isinstance(c, dict) and c.get("message")
    ]


def status_message(body: object) -> str:
    """The ``message`` of a Kubernetes Status or ARM error body, else the body itself."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        data = json.loads(text)
    except ValueError:
        return short(text)
    if isinstance(data, dict):
        if isinstance(data.get("error"), dict):
            data = data["error"]
        message = data.get("message")
        if message:
            return short(message)
    return short(text)


def from_status(
    what: str, status: int | None, message: str, headers: Mapping[str, Any] | None = None
) -> AdapterError:
    """The drillkit error for a failed call with HTTP ``status``."""
    text = f"{what} failed ({status}): {message}" if status else f"{what} failed: {message}"
    if status is None or status in TRANSIENT_STATUSES:
        return TransientAdapterError(text, status=status, retry_after=retry_after(headers))
    return PermanentAdapterError(text, status=status)
