"""Markers the world carries: which run changed an object, and what it was before. Pure.

Every object a drill changes carries two annotations (Kubernetes) or two tags (the Traffic
Manager profile, one pair per endpoint), written *before* the change and removed *after* the
restore, so a marked object is either changed by that run or already back:

- ``drillkit.dev/run``: the run id;
- ``drillkit.dev/original``: JSON of the journal item (what, kind, region, ref, original value)
  and the value the drill writes, which is all restore needs to apply the same drift rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RUN = "drillkit.dev/run"
ORIGINAL = "drillkit.dev/original"
MARKER_SCHEMA = 1
TAG_PREFIX = "drillkit-"
_TAG_SAFE = re.compile(r"[<>%&\\?/\s]")
TAG_VALUE_LIMIT = 256

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Marker:
    """One marked change, as read back from the world."""

    run_id: str
    what: str
    kind: str
    region: str
    ref: dict[str, str]
    original: Scalar
    written: Scalar


def _body(marker: Marker) -> dict[str, Any]:
    return {
        "v": MARKER_SCHEMA, "what": marker.what, "kind": marker.kind, "region": marker.region,
        "ref": marker.ref, "original": marker.original, "written": marker.written,
    }  # fmt: skip


def marker_annotations(marker: Marker) -> dict[str, str]:
    """The two annotations that mark a Kubernetes object."""
    return {RUN: marker.run_id, ORIGINAL: json.dumps(_body(marker), sort_keys=True)}


def cleared() -> dict[str, None]:
    """A merge patch that removes both annotations."""
    return {RUN: None, ORIGINAL: None}


class MarkerError(ValueError):
    """A marker that cannot be read back (hand-edited or cut short)."""


def _from_body(run_id: str, text: str) -> Marker:
    try:
        body = json.loads(text)
        if not isinstance(body, dict) or body.get("v") != MARKER_SCHEMA:
            raise MarkerError(f"unknown marker schema in {text[:80]!r}")
        ref = body["ref"]
        if not isinstance(ref, dict):
            raise MarkerError(f"marker ref is not a mapping: {text[:80]!r}")
        return Marker(
            run_id=run_id, what=str(body["what"]), kind=str(body["kind"]),
            region=str(body["region"]), ref={str(k): str(v) for k, v in ref.items()},
            original=body["original"], written=body["written"],
        )  # fmt: skip
    except (ValueError, KeyError, TypeError) as e:
        if isinstance(e, MarkerError):
            raise
        raise MarkerError(f"unreadable marker {text[:80]!r}: {e}") from None


def read_annotations(values: Mapping[str, str] | None) -> Marker | None:
    """The marker on an object's annotations; None when unmarked; ``MarkerError`` if damaged."""
    if not values or RUN not in values:
        return None
    if ORIGINAL not in values:
        raise MarkerError(f"run {values[RUN]} marked the object but left no {ORIGINAL}")
    return _from_body(values[RUN], values[ORIGINAL])


def tag_name(what: str) -> str:
    """The profile tag for one endpoint item (tag names may not hold ``< > % & \\ ? /``)."""
    return TAG_PREFIX + _TAG_SAFE.sub(":", what)


def marker_tags(marker: Marker) -> dict[str, str]:
    """The tags that mark one endpoint change on the profile."""
    body = json.dumps(_body(marker), sort_keys=True, separators=(",", ":"))
    if len(body) > TAG_VALUE_LIMIT:
        raise MarkerError(f"the marker of {marker.what} is longer than a tag value may be")
    return {f"{TAG_PREFIX}run": marker.run_id, tag_name(marker.what): body}


def read_tags(values: Mapping[str, str] | None) -> list[Marker]:
    """Every endpoint marker among a profile's tags."""
    if not values or f"{TAG_PREFIX}run" not in values:
        return []
    run_id = values[f"{TAG_PREFIX}run"]
    return [
        _from_body(run_id, value)
        for name, value in sorted(values.items())
        if name.startswith(TAG_PREFIX) and name != f"{TAG_PREFIX}run"
    ]
