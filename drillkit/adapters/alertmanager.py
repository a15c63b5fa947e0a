"""Alertmanager through its v2 API (httpx): firing alerts by matcher, silences created and expired.

API: https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
- ``GET /api/v2/alerts?filter=...&active=&silenced=&inhibited=`` ("Get a list of alerts");
- ``POST /api/v2/silences`` ("Post a new silence or update an existing one") → ``silenceID``;
- ``DELETE /api/v2/silence/{silenceID}`` ("Delete a silence by its ID"), which expires it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from drillkit.adapters.errors import from_status, short
from drillkit.adapters.guard_ports import SilenceRef
from drillkit.core.guards import FiringAlert
from drillkit.errors import PermanentAdapterError, TransientAdapterError
from drillkit.spec.matchers import Matcher


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class AlertmanagerClient:
    """``Alerts`` on one Alertmanager; ``transport`` lets a test swap the network."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, transport: Any = None) -> None:
        import httpx

        self._url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=f"{self._url}/api/v2", timeout=timeout_s, transport=transport, trust_env=False
        )

    def close(self) -> None:
        self._client.close()

    def _call(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            raise TransientAdapterError(
                f"{what} at {self._url} failed: {short(e) or type(e).__name__}"
            ) from e
        if response.status_code >= 400:
            raise from_status(
                f"{what} at {self._url}",
                response.status_code,
                short(response.text),
                response.headers,
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as e:
            raise PermanentAdapterError(
                f"{what} at {self._url} answered something that is not JSON: {short(response.text)}"
            ) from e

    def firing(self, matchers: Sequence[Matcher], *, include_silenced: bool) -> list[FiringAlert]:
        """Active alerts matching every matcher (silenced and inhibited ones only if asked)."""
        flag = "true" if include_silenced else "false"
        params: list[tuple[str, str]] = [
            ("active", "true"),
            ("silenced", flag),
            ("inhibited", flag),
            ("unprocessed", "true"),
        ]
        params += [("filter", str(m)) for m in matchers]
        body = self._call("listing firing alerts", "GET", "/alerts", params=params)
        alerts = []
        for item in body or []:
            labels = {str(k): str(v) for k, v in (item.get("labels") or {}).items()}
            status = item.get("status") or {}
            alerts.append(
                FiringAlert(
                    name=labels.get("alertname", "?"),
                    labels=labels,
                    state=str(status.get("state", "")),
                    silenced_by=tuple(status.get("silencedBy") or ()),
                    starts_at=str(item.get("startsAt", "")),
                    fingerprint=str(item.get("fingerprint", "")),
                    summary=str((item.get("annotations") or {}).get("summary", "")),
                )
            )
        return sorted(alerts, key=lambda a: (a.name, a.fingerprint))

    def silence(
        self, matchers: Sequence[Matcher], *, comment: str, created_by: str, ends_at: datetime
    ) -> SilenceRef:
        """Create a silence from now until ``ends_at``; returns its id."""
        ends = _iso(ends_at)
        body = {
            "matchers": [m.as_api() for m in matchers],
            "startsAt": _iso(datetime.now(UTC)),
            "endsAt": ends,
            "createdBy": created_by,
            "comment": comment,
        }
        answer = self._call("creating a silence", "POST", "/silences", json=body)
        silence_id = (answer or {}).get("silenceID")
        if not silence_id:
            raise PermanentAdapterError(
                f"creating a silence at {self._url} returned no silenceID: {short(answer)}"
            )
        return SilenceRef(
            id=str(silence_id),
            matchers=tuple(str(m) for m in matchers),
            ends_at=ends,
            comment=comment,
        )

    def silences_by(self, created_by: str) -> list[str]:
        """Ids of the active or pending silences whose ``createdBy`` is ``created_by``."""
        body = self._call("listing silences", "GET", "/silences")
        return sorted(
            str(s["id"])
            for s in body or []
            if s.get("createdBy") == created_by
            and (s.get("status") or {}).get("state") in ("active", "pending")
        )

    def state(self, silence_id: str) -> str:
        """``active``, ``pending``, ``expired``, or ``gone`` when Alertmanager has none."""
        try:
            body = self._call("reading a silence", "GET", f"/silence/{silence_id}")
        except PermanentAdapterError as e:
            if e.status == 404:
                return "gone"
            raise
        return str(((body or {}).get("status") or {}).get("state", ""))

    def expire(self, silence_id: str) -> bool:
        """Expire a silence; False when it was already expired or is unknown (idempotent)."""
        current = self.state(silence_id)
        if current in ("expired", "gone"):
            return False
        try:
            self._call("expiring a silence", "DELETE", f"/silence/{silence_id}")
        except PermanentAdapterError as e:
            if e.status == 404:
                return False
            raise
        return True
