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


_LOCATION = re.compile(r"^[A-Za-z][A-Za-z0-9 ]{1,48}[A-Za-z0-9]$")
_PK_PATH = re.compile(r"^/[A-Za-z_][A-Za-z0-9_]{0,63}$")
_COSMOS_NAME = re.compile(r"^[^/\\?#\s]{1,255}$")


class CosmosCanary(_Model):
    """Canary documents written and read with the azure-cosmos SDK (Cosmos DB for NoSQL).

    Writes go to ``writeLocation`` and reads to ``readLocation`` (the SDK's
    ``preferred_locations``); a request another location answered does not count. Each document
    is ``{"id": <id>, <partition key>: <id>, "ts": <write time>}``.
    """

    endpoint: str
    """The account endpoint, e.g. ``https://storefront-db.documents.azure.com:443/``."""
    database: str
    """The database's id."""
    container: str
    """The container's id; the canary creates documents in it (it must exist)."""
    partition_key: str = Field("/id", alias="partitionKey")
    """The container's partition key path (one level); the canary sets it to the id."""
    write_location: str = Field(alias="writeLocation")
    """The target region's Cosmos DB location, as the account names it (``East US``)."""
    read_location: str = Field(alias="readLocation")
    """The survivor's Cosmos DB location (``West Europe``)."""

    @field_validator("endpoint")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.match(r"^https://[^\s/]+/?$", value):
            raise ValueError(
                f"{value!r} is not an account endpoint such as "
                "https://ACCOUNT.documents.azure.com:443/ (https, no path)"
            )
        return value

    @field_validator("database", "container")
    @classmethod
    def _resource(cls, value: str) -> str:
        if not _COSMOS_NAME.match(value):
            raise ValueError(f"{value!r}: 1-255 characters, none of / \\ ? # or spaces")
        return value

    @field_validator("partition_key")
    @classmethod
    def _path(cls, value: str) -> str:
        if not _PK_PATH.match(value):
            raise ValueError(f"{value!r} is not a one-level partition key path such as /id")
        return value

    @field_validator("write_location", "read_location")
    @classmethod
    def _location(cls, value: str) -> str:
        if not _LOCATION.match(value):
            raise ValueError(f"{value!r} is not a Cosmos DB location name such as West Europe")
        return value

    @model_validator(mode="after")
    def _two_locations(self) -> CosmosCanary:
        if self.write_location.lower() == self.read_location.lower():
            raise ValueError("writeLocation and readLocation must differ: replication is measured")
        return self


class Canary(_Model):
    """A replication canary: RPO, lag and lost writes across the failover.

    During the outage the survivor takes writes too (the write's method and body on the read
    URL); after restore they are read through the target (the read's method on the write URL):
    that is write-back after failback. With ``cosmos`` instead of ``write`` and ``read``, the
    canary's documents go through the azure-cosmos SDK (docs/data-canaries.md).
    """

    name: str
    """A short name (lowercase, digits, '-'); it prefixes every canary id."""
    every: Duration
    """Cadence of writes, and of reads of each write not yet readable."""
    write: CanaryWrite | None = None
    """The write through the target region."""
    read: CanaryRead | None = None
    """The read against the survivor."""
    cosmos: CosmosCanary | None = None
    """Cosmos DB directly, instead of ``write`` and ``read``."""

    @model_validator(mode="after")
    def _one_kind(self) -> Canary:
        http = self.write is not None or self.read is not None
        if self.cosmos is not None and http:
            raise ValueError("a canary has either write and read, or cosmos, not both")
        if self.cosmos is None and (self.write is None or self.read is None):
            raise ValueError("a canary needs both write and read (or cosmos)")
        return self

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
