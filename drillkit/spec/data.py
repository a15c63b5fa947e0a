"""Replication canaries (``observe.data``): a write through the target, a read on the survivor.

``{id}`` and ``{ts}`` in a URL or body are replaced per write: ``{id}`` by a fresh id
(``<canary>-<run>-<n>``) and ``{ts}`` by the write's wall-clock time (RFC 3339, UTC, ms).
Any other ``{word}`` is refused, so that a typo cannot send the same document every time.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drillkit.spec.durations import Duration

PLACEHOLDERS = ("id", "ts")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _placeholders(value: str) -> str:
    unknown = sorted({m for m in _PLACEHOLDER.findall(value) if m not in PLACEHOLDERS})
    if unknown:
        names = ", ".join(f"{{{u}}}" for u in unknown)
        raise ValueError(f"unknown placeholder {names}: use {{id}} and {{ts}}")
    return value


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"{value!r} is not an http(s) URL such as https://host/canary/{{id}}")
    return _placeholders(value)


def _codes(value: list[int]) -> list[int]:
    bad = [code for code in value if not 100 <= code <= 599]
    if bad:
        raise ValueError(f"{bad[0]} is not an HTTP status code (100-599)")
    return value


class CanaryWrite(_Model):
    """The write, sent through the target region's endpoint."""

    method: Literal["PUT", "POST", "PATCH"] = "PUT"
    """HTTP method of the write."""
    url: str
    """URL of the write, with ``{id}`` (and optionally ``{ts}``)."""
    body: str | None = None
    """Request body; ``{id}`` and ``{ts}`` are replaced."""
    ok: list[int] = Field(default_factory=lambda: [200, 201, 204], min_length=1)
    """Status codes that count as acknowledged."""

    _url = field_validator("url")(classmethod(lambda cls, v: _url(v)))
    _body = field_validator("body")(
        classmethod(lambda cls, v: v if v is None else _placeholders(v))
    )
    _ok = field_validator("ok")(classmethod(lambda cls, v: _codes(v)))

    @model_validator(mode="after")
    def _has_id(self) -> CanaryWrite:
        if "{id}" not in self.url and "{id}" not in (self.body or ""):
            raise ValueError("the write must carry {id} in its url or body, so it can be read back")
        return self


class CanaryRead(_Model):
    """The read, polled against the survivor until the write is readable."""

    method: Literal["GET", "HEAD", "POST"] = "GET"
    """HTTP method of the read."""
    url: str
    """URL of the read, with ``{id}``."""
    ok: list[int] = Field(default_factory=lambda: [200], min_length=1)
    """Status codes that mean the write is readable."""

    _url = field_validator("url")(classmethod(lambda cls, v: _url(v)))
    _ok = field_validator("ok")(classmethod(lambda cls, v: _codes(v)))

    @field_validator("url")
    @classmethod
    def _has_id(cls, value: str) -> str:
        if "{id}" not in value:
            raise ValueError("the read url must carry {id}, to ask for one write")
        return value


class Canary(_Model):
    """A replication canary: RPO, lag and lost writes across the failover.

    During the outage the survivor takes writes too (the write's method and body on the read
    URL); after restore they are read through the target (the read's method on the write URL):
    that is write-back after failback.
    """

    name: str
    """A short name (lowercase, digits, '-'); it prefixes every canary id."""
    every: Duration
    """Cadence of writes, and of reads of each write not yet readable."""
    write: CanaryWrite
    """The write through the target region."""
    read: CanaryRead
    """The read against the survivor."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a canary name: lowercase letters, digits and '-', "
                "at most 40 characters"
            )
        return value

    @field_validator("every")
    @classmethod
    def _positive(cls, value: Duration) -> Duration:
        if value < 0.01:
            raise ValueError(f"every {value} is too short: at least 10ms")
        return value
