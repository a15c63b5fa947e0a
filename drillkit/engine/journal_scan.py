"""The journal's line reader: every record it can read, and each line it cannot (its number and
a hexdump excerpt). An unreadable line never hides what follows it, and a record glued after
garbage on the same line is recovered."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillkit.engine.records import Record, UnknownRecord, from_json


@dataclass(frozen=True, slots=True)
class LineProblem:
    """One journal line (or part of one) that could not be read."""

    line: int
    """1-based line number."""
    excerpt: str
    """A hexdump of the line's first bytes (``hex | text``)."""
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.excerpt}"


@dataclass
class JournalScan:
    """Every record a journal holds, and every line (or fragment) that could not be read."""

    records: list[Record] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


EXCERPT_BYTES = 32
_RECORD_START = b'{"seq":'


def hexdump(raw: bytes, limit: int = EXCERPT_BYTES) -> str:
    """``7b 22 73 ... | {"s...``: the first ``limit`` bytes as hex and as printable text."""
    head = raw[:limit]
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in head)
    more = f" (+{len(raw) - limit} bytes)" if len(raw) > limit else ""
    return f"{head.hex(' ')} | {text}{more}"


def _decode_line(raw: bytes) -> tuple[list[dict[str, Any]], str]:
    """The record objects one line holds, and what was wrong with it ('' when nothing).

    A line that is not one JSON object is searched for records glued onto garbage (a stray
    ``GARBAGE{`` followed by a real record, or a torn record followed by the next one)."""
    text = raw.rstrip(b"\r\n")
    if not text.strip():
        return [], ""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        problem = f"not JSON ({e.msg} at column {e.colno})"
    except ValueError:
        problem = "not UTF-8 text"
    else:
        if isinstance(data, dict) and "kind" in data:
            return [data], ""
        return [], "not a journal record (a JSON value without a kind)"
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    start = text.find(_RECORD_START, 1)
    while start >= 0:
        try:
            data, end = decoder.raw_decode(text.decode("utf-8", "replace"), start)
        except ValueError:
            start = text.find(_RECORD_START, start + 1)
            continue
        if isinstance(data, dict) and "kind" in data:
            found.append(data)
        start = text.find(_RECORD_START, max(end, start + 1))
    if found:
        problem += f"; {len(found)} record(s) recovered from inside it"
    return found, problem


def scan_journal(path: Path, kinds: Collection[type[Record]] | None = None) -> JournalScan:
    """Every readable record of a journal, typed, and each unreadable line with its number.

    An unreadable line never hides what follows it: the reader carries on, and a record glued
    after garbage on the same line is recovered. With ``kinds``, only records of those classes
    are typed and returned (a cheap scan).
    """
    wanted = {cls.KIND for cls in kinds} if kinds is not None else None
    scan = JournalScan()
    version = 1
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            objects, problem = _decode_line(raw)
            if problem:
                if not raw.endswith(b"\n"):
                    problem = f"torn last line (a crash mid-write?): {problem}"
                scan.problems.append(LineProblem(number, hexdump(raw.rstrip(b"\n")), problem))
            for data in objects:
                if number == 1 and data.get("kind") == "run.started":
                    version = int(data.get("schemaVersion", 1) or 1)
                if wanted is not None and data["kind"] not in wanted:
                    continue
                record = from_json(data, version)
                if isinstance(record, UnknownRecord) and record.problem:
                    # A known kind that cannot be typed is damage, not a newer drillkit's kind.
                    excerpt = hexdump(raw.rstrip(b"\n"))
                    scan.problems.append(LineProblem(number, excerpt, record.problem))
                scan.records.append(record)
    return scan
