"""Drill fields for runs with nobody watching: guard rails, notices and metrics export."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drillkit.spec.matchers import parse_matcher


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_WEEKDAYS: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")
_DATE = r"\d{4}-\d{2}-\d{2}"
_BLACKOUT = re.compile(rf"^{_DATE}(/{_DATE})?$")


def _matchers(values: list[str]) -> list[str]:
    for value in values:
        parse_matcher(value)
    return values


class WindowGuard(_Model):
    """When an unattended drill may start: weekdays and hours in a time zone, minus blackouts."""

    timezone: str = "UTC"
    """IANA time zone of ``days``, ``hours`` and ``blackout``, e.g. ``Europe/Paris``."""
    days: list[Weekday] = Field(default_factory=lambda: list(_WEEKDAYS))
    """Weekdays on which a drill may start (every day by default)."""
    hours: str = "00:00-24:00"
    """Local start and end of the allowed hours, ``HH:MM-HH:MM``; the end is excluded."""
    blackout: list[str] = Field(default_factory=list)
    """Dates when no drill may start: ``YYYY-MM-DD`` or ``YYYY-MM-DD/YYYY-MM-DD``, inclusive."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Paris") from None
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        found = _HOURS.match(value)
        if not found or (found.group(3) == "24" and found.group(4) != "00"):
            raise ValueError(f"{value!r} is not an hour range such as 10:00-16:00")
        start = int(found.group(1)) * 60 + int(found.group(2))
        end = int(found.group(3)) * 60 + int(found.group(4))
        if end <= start:
            raise ValueError(f"{value!r}: the end of the range must come after its start")
        return value

    @field_validator("blackout")
    @classmethod
    def _blackout(cls, values: list[str]) -> list[str]:
        from datetime import date

        for value in values:
            if not _BLACKOUT.match(value):
                raise ValueError(f"{value!r} is not a date or range such as 2026-12-21/2027-01-04")
            try:
                days = [date.fromisoformat(d) for d in value.split("/")]
            except ValueError as e:
                raise ValueError(f"{value!r}: {e}") from None
            if days[-1] < days[0]:
                raise ValueError(f"{value!r}: the range ends before it starts")
        return values


class SilenceGuard(_Model):
    """The silence drillkit creates for the alerts the drill is expected to cause."""

    matchers: list[str] = Field(min_length=1)
    """Alertmanager matchers of the silence, e.g. ``alertname="StorefrontEastUSDown"`` (AND)."""
    comment: str = "drillkit game day"
    """The silence's comment; the run id is appended."""

    _check = field_validator("matchers")(classmethod(lambda cls, v: _matchers(v)))


class AlertmanagerGuard(_Model):
    """Alertmanager (v2 API): refuse during incidents, silence expected alerts, abort on others."""

    url: str
    """Base URL of Alertmanager, e.g. ``http://alertmanager.monitoring:9093``."""
    refuse_if_firing: list[str] = Field(default_factory=list, alias="refuseIfFiring")
    """Matchers (AND): refuse to start while a matching alert is firing (a real incident)."""
    abort_if_firing: list[str] = Field(default_factory=list, alias="abortIfFiring")
    """Matchers (AND): abort and restore when a matching, unsilenced alert fires mid-drill."""
    silence: SilenceGuard | None = None
    """A silence held from inject to restore, expired on restore."""

    _check = field_validator("refuse_if_firing", "abort_if_firing")(
        classmethod(lambda cls, v: _matchers(v))
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not a URL such as http://alertmanager:9093")
        return value


class Guards(_Model):
    """Guard rails for runs with nobody watching."""

    window: WindowGuard | None = None
    """When the drill may start."""
    alertmanager: AlertmanagerGuard | None = None
    """Alerts that refuse, silence or abort the drill."""


class Webhook(_Model):
    """A chat or HTTP endpoint told when the drill starts and ends."""

    url: str
    """The webhook URL (keep it in an environment variable: ``${TEAMS_WEBHOOK_URL}``)."""
    format: Literal["json", "slack", "teams"] = "json"
    """Payload: generic ``json``, a ``slack`` message, or a ``teams`` Adaptive Card."""


class Notify(_Model):
    """Notices sent at the start and end of a run; a failed notice never fails the drill."""

    webhooks: list[Webhook] = Field(default_factory=list)
    """Where start and end notices go."""


class PushgatewayExport(_Model):
    """Push the run's metrics to a Prometheus Pushgateway at the end of each run."""

    url: str
    """Base URL of the Pushgateway, e.g. ``http://pushgateway.monitoring:9091``."""
    job: str = "drillkit"
    """The ``job`` of the pushed group (grouping key: job, drill, target)."""


class Export(_Model):
    """Where a run's results go besides the evidence files."""

    pushgateway: PushgatewayExport | None = None
    """A Prometheus Pushgateway."""
