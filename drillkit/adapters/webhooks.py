"""Start and end notices to webhooks (httpx). A failed notice is logged and never fails a drill."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog

from drillkit.adapters.errors import short
from drillkit.core.notices import Notice, payload
from drillkit.spec.unattended import Webhook

log = structlog.get_logger("drillkit.notify")


def _where(url: str) -> str:
    # Webhook URLs carry their secret in the path or query: log the host only.
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "(invalid URL)"


class WebhookNotifier:
    """``Notifier`` posting each notice to every webhook in its own format."""

    def __init__(
        self, hooks: Sequence[Webhook], *, timeout_s: float = 5.0, transport: Any = None
    ) -> None:
        self._hooks = list(hooks)
        self._timeout_s = timeout_s
        self._transport = transport

    def send(self, notice: Notice) -> list[str]:
        """Post ``notice`` everywhere; return one line per webhook that failed (never raises)."""
        if not self._hooks:
            return []
        import httpx

        failures: list[str] = []
        with httpx.Client(
            timeout=self._timeout_s, transport=self._transport, trust_env=False
        ) as client:
            for hook in self._hooks:
                where = _where(hook.url)
                try:
                    response = client.post(hook.url, json=payload(hook.format, notice))
                    if response.status_code >= 300:
                        raise ValueError(f"{response.status_code} {short(response.text, 120)}")
                except (httpx.HTTPError, ValueError) as e:
                    reason = short(e, 200) or type(e).__name__
                    failures.append(f"{hook.format} notice to {where} failed: {reason}")
                    log.warning(
                        "notify.webhook.failed",
                        url=where,
                        format=hook.format,
                        phase=notice.phase,
                        error=reason,
                    )
                    continue
                log.info("notify.webhook.sent", url=where, format=hook.format, phase=notice.phase)
        return failures
