"""The journal's record types: one frozen dataclass per kind, and the one reader of journals.

Every record carries ``seq``, ``mono`` (monotonic seconds) and ``wall`` (epoch seconds), stamped by
``Journal.append``; its kind is the class's ``KIND``. On disk a record is one JSON line with
camelCase keys; the first record (``run.started``) says which ``schemaVersion`` wrote the file.

Adding a kind: a frozen dataclass here with ``KIND`` and the ``@kind`` decorator, fields with
defaults where older journals lack them. The reader turns a kind it does not know (a newer
drillkit's) or a record it cannot type into an ``UnknownRecord``; it reports each damaged line
(number and hexdump) and reads on past it, so a journal always reads. This module and its line
reader (``journal_scan.py``) are the only places that see a record as a raw dict.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from drillkit.adapters.bundle import ConnectionInfo
from drillkit.core.plan import Phase
from drillkit.engine.codec import decode, encode
from drillkit.engine.samples import (
    CanaryRead,
    CanaryWrite,
    EndpointObservation,
    RegionCheck,
    VantageSample,
)

SCHEMA_VERSION = 2
"""2: typed records (this module). 1: round 1's journals, the same keys without schemaVersion."""

JsonScalar = bool | int | float | str | None
R = TypeVar("R", bound="Record")
RECORD_TYPES: dict[str, type[Record]] = {}
"""Every known kind -> its record class."""


def kind(cls: type[R]) -> type[R]:
    """Register a record class under its ``KIND``."""
    if not cls.KIND or cls.KIND in RECORD_TYPES:
        raise TypeError(f"{cls.__name__}: KIND {cls.KIND!r} is empty or taken")
    RECORD_TYPES[cls.KIND] = cls
    return cls


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """What every record has; ``Journal.append`` fills the stamps."""

    KIND: ClassVar[str] = ""
    seq: int = 0
    mono: float = 0.0
    wall: float = 0.0

    @property
    def kind(self) -> str:
        return self.KIND


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownRecord(Record):
    """A record this version cannot type: a newer kind, or a damaged known one (``problem``)."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    problem: str = ""

    @property
    def kind(self) -> str:
        return self.name


# ---------------------------------------------------------------- nested values


@dataclass(frozen=True, slots=True)
class Item:
    """One value the drill changes (``mutable``) or depends on (an HPA's bounds)."""

    what: str
    kind: str
    """What sort of thing it is (node, workload, endpoint, hpa): the fault registry's key."""
    region: str
    ref: Mapping[str, str]
    value: JsonScalar
    """Its value before the drill; None for an item the drill creates."""
    mutable: bool = True
    created: bool = False
    """The drill creates it (e.g. a NetworkPolicy): undo deletes it, and absent is restored."""


# ---------------------------------------------------------------- the run


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(Record):
    """The first record: which drill ran, where, by whom, and how to reconnect."""

    KIND: ClassVar[str] = "run.started"
    run_id: str
    drill: Mapping[str, Any]
    """The drill document as validated (``Drill.model_dump(by_alias=True)``)."""
    drill_path: str = ""
    drill_sha256: str = ""
    run_by: str = ""
    time_scale: float = 1.0
    fqdn: str = ""
    connection: ConnectionInfo = field(default_factory=lambda: ConnectionInfo(environment=""))
    schema_version: int = SCHEMA_VERSION


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseEntered(Record):
    KIND: ClassVar[str] = "phase"
    phase: Phase


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Mark(Record):
    """A named instant the metrics use (``lock_acquired``, ``fault_injected``, ...)."""

    KIND: ClassVar[str] = "mark"
    name: str
    at: float | None = None


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Refused(Record):
    KIND: ClassVar[str] = "refused"
    reason: str


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class PredictionMade(Record):
    """What preflight predicted from the Traffic Manager design (real-world seconds after the
    target stops answering probes): detection, the DNS flip and the client-perceived bound."""

    KIND: ClassVar[str] = "prediction"
    detection_s: tuple[float, float]
    dns_flip_s: tuple[float, float]
    client_s: tuple[float, float]
    ttl_s: int
    basis: str = ""


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline(Record):
    """Each vantage point's normal region."""

    KIND: ClassVar[str] = "baseline"
    normal: Mapping[str, str | None]


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotTaken(Record):
    """Items journalled before they are changed; a later one may add items (e.g. a node that
    joined during the drill), restore reads them all."""

    KIND: ClassVar[str] = "snapshot"
    items: tuple[Item, ...]


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Held(Record):
    """Keeping the fault in force: a node ``joined`` the drain's selection, or an item no longer
    held because someone changed it back (``reverted``; ``reasserted`` when drillkit wrote the
    fault again), with the writer managedFields names (``by``)."""

    KIND: ClassVar[str] = "hold"
    event: str
    what: str
    region: str = ""
    value: JsonScalar = None
    by: str | None = None


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Aborted(Record):
    KIND: ClassVar[str] = "abort"
    reason: str
    interrupted: bool = False


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Intent(Record):
    """A mutation about to happen; ``item`` names the snapshot item it changes, if any."""

    KIND: ClassVar[str] = "intent"
    id: str
    action: str
    item: str | None = None
    region: str | None = None
    value: JsonScalar = None
    pod: str | None = None
    node: str | None = None
    reason: str | None = None


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Result(Record):
    """What the mutation of intent ``id`` did."""

    KIND: ClassVar[str] = "result"
    id: str
    ok: bool
    detail: str = ""
    pdb: str | None = None  # an eviction's last blocking budget, also when evicted in the end
    blocked_s: float | None = None  # how long that eviction had been blocked (None: never)


# ---------------------------------------------------------------- observation


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class Observation(Record):
    """One poll tick: DNS per vantage point, HTTP per region."""

    KIND: ClassVar[str] = "obs"
    vantage: tuple[VantageSample, ...]
    regions: Mapping[str, RegionCheck] = field(default_factory=dict)


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class StatusObservation(Record):
    """One ARM read of monitor statuses: the whole tree, or one profile (a fast read)."""

    KIND: ClassVar[str] = "obs.status"
    at: float
    """The middle of the request (for display)."""
    endpoints: tuple[EndpointObservation, ...]
    sent: float | None = None
    """When the request was sent and its response read: ARM read the statuses in between, so
    a change it shows came before ``received``, one it does not show after ``sent`` (absent in
    journals before issue #17's precision work)."""
    received: float | None = None


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class CanaryTicked(Record):
    """One tick of a replication canary: its write, and the reads that settled (one fsync)."""

    KIND: ClassVar[str] = "canary"
    canary: str
    writes: tuple[CanaryWrite, ...] = ()
    reads: tuple[CanaryRead, ...] = ()


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class ObservationError(Record):
    KIND: ClassVar[str] = "obs.error"
    source: str
    error: str


# ---------------------------------------------------------------- restore and the end


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreIntent(Record):
    KIND: ClassVar[str] = "restore.intent"
    item: str
    value: JsonScalar = None
    was: JsonScalar = None


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreResult(Record):
    KIND: ClassVar[str] = "restore.result"
    item: str
    ok: bool
    value: JsonScalar = None
    detail: str | None = None


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreChecked(Record):
    """The verdict on one item after restore (the core's ``RestoreCheck``)."""

    KIND: ClassVar[str] = "restore.check"
    what: str
    expected: str
    actual: str
    outcome: str
    detail: str = ""


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryStarted(Record):
    """``drillkit restore`` began on this journal."""

    KIND: ClassVar[str] = "recovery.started"
    force: bool = False


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryFinished(Record):
    KIND: ClassVar[str] = "recovery.finished"
    restored: bool
    note: str = ""
    """Why it ended without checking the world (its embedded sandbox twin is gone)."""


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class VerdictReached(Record):
    KIND: ClassVar[str] = "verdict"
    outcome: str
    reason: str = ""
    restored: bool = False


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceWritten(Record):
    KIND: ClassVar[str] = "evidence"
    paths: Mapping[str, str]


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class GuardNote(Record):
    """A guard rail's decision worth showing in evidence (a window override and its reason)."""

    KIND: ClassVar[str] = "guard"
    guard: str
    detail: str


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class GateWaited(Record):
    """A step gate of ``run --step``: which, when it opened, how long the human took, and the
    answer (``continue`` or ``abort``)."""

    KIND: ClassVar[str] = "gate"
    step: str
    at: float
    waited_s: float
    answer: str


@kind
@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished(Record):
    KIND: ClassVar[str] = "run.finished"
    verdict: str


# ---------------------------------------------------------------- reading and writing


def to_json(record: Record) -> dict[str, Any]:
    """The record's JSON object, ``seq`` and ``kind`` first."""
    body = encode(record)
    head = {"seq": body.pop("seq"), "kind": record.kind}
    head["mono"], head["wall"] = body.pop("mono"), body.pop("wall")
    if isinstance(record, UnknownRecord):
        return {**head, **record.data}
    return {**head, **body}


def from_json(data: Mapping[str, Any], version: int = SCHEMA_VERSION) -> Record:
    """The typed record of one decoded JSON line; an ``UnknownRecord`` when it cannot be typed."""
    name = str(data.get("kind", ""))
    cls = RECORD_TYPES.get(name)
    if cls is None:
        return _unknown(name, data, "")
    if cls is RunStarted and "schemaVersion" not in data:
        data = {**data, "schemaVersion": version}
    try:
        return decode(cls, data)
    except (ValueError, TypeError, KeyError) as e:
        return _unknown(name, data, f"not a valid {name} record: {e}")


def _unknown(name: str, data: Mapping[str, Any], problem: str) -> UnknownRecord:
    stamps = {k: data[k] for k in ("seq", "mono", "wall") if isinstance(data.get(k), int | float)}
    rest = {k: v for k, v in data.items() if k not in ("seq", "kind", "mono", "wall")}
    return UnknownRecord(name=name, data=rest, problem=problem, **stamps)


def read_journal(path: Path, kinds: Collection[type[Record]] | None = None) -> list[Record]:
    """Every readable record of a journal, typed (``journal_scan.scan_journal`` also says which
    lines were not). With ``kinds``, only records of those classes (a cheap scan)."""
    from drillkit.engine.journal_scan import scan_journal

    return scan_journal(path, kinds).records


def head(path: Path) -> Record | None:
    """The journal's first record (None when it has no readable first line)."""
    with path.open("rb") as f:
        raw = f.readline()
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return (
        from_json(data, int(data.get("schemaVersion", 1) or 1)) if isinstance(data, dict) else None
    )


def first(records: Iterable[Record], cls: type[R]) -> R | None:
    """The first record of class ``cls``."""
    return next((r for r in records if isinstance(r, cls)), None)


def last(records: list[Record], cls: type[R]) -> R | None:
    """The last record of class ``cls``."""
    return next((r for r in reversed(records) if isinstance(r, cls)), None)
