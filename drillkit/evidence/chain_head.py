"""The chain's head pointer, ``chain-head.json``: the newest record and the SHA-256 of its bytes.

The chain vouches for every record but the newest, which has no successor. Each seal rewrites
the head file (signed too with ``drillkit run --sign-key``)::

    {
      "schemaVersion": 1,
      "kind": "DrillkitEvidenceChainHead",
      "sequence": 3,                        # the newest record's place in the chain
      "record": "run-3.json",
      "recordSha256": "...",                # of that file's bytes (sha256sum)
      "genesisSha256": "...",               # of chain-genesis.json
      "updatedAtUtc": "..."
    }

so ``verify`` notices the newest record edited (even whitespace) or deleted while the head file
is intact. Whoever can rewrite both can still do either: only a signature checked against
``--allowed-signers``, or a copy of ``recordSha256`` kept elsewhere, stops that.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from drillkit.evidence.catalog import GENESIS_NAME, HEAD_NAME

HEAD_VERSION = 1


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def head_text(record: Path, sequence: int, genesis: Path, updated_at_utc: str) -> str:
    """The head file's text for ``record`` at place ``sequence`` of the chain."""
    head = {
        "schemaVersion": HEAD_VERSION,
        "kind": "DrillkitEvidenceChainHead",
        "sequence": sequence,
        "record": record.name,
        "recordSha256": _sha256(record),
        "genesisSha256": _sha256(genesis),
        "updatedAtUtc": updated_at_utc,
        "note": "The newest record of this directory's evidence chain; see `drillkit verify`.",
    }
    return json.dumps(head, indent=2) + "\n"


def _read(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"cannot be read as JSON ({e})"
    if not isinstance(head, dict) or not isinstance(head.get("sequence"), int):
        return None, "is not a chain head (no sequence)"
    return head, None


def head_problems(directory: Path, records: list[Path]) -> list[tuple[Path, str]]:
    """Where the chain's end (``records``, in chain order) disagrees with ``chain-head.json``."""
    path = directory / HEAD_NAME
    if not path.exists():
        if not records:
            return []
        return [
            (
                path,
                f"is missing, so {records[-1].name}, the newest record, and any record after it "
                "could have been edited or deleted unnoticed (every seal writes it: was it "
                "deleted? the next run writes it again)",
            )
        ]
    head, problem = _read(path)
    if head is None:
        return [(path, problem or "unreadable")]
    sequence, named = head["sequence"], str(head.get("record"))
    last = len(records)
    if sequence > last:
        end = f"#{last} ({records[-1].name})" if records else "the genesis record"
        return [
            (
                directory / named,
                f"is missing: {HEAD_NAME} names it as the newest record, #{sequence}, but the "
                f"chain ends at {end} (deleted?)",
            )
        ]
    newest = records[-1]
    if sequence < last:
        return [
            (
                newest,
                f"was sealed after {HEAD_NAME} was last written (it names #{sequence}, {named}, "
                "as the newest record): sealed by hand, the head file rolled back, or the run "
                "was killed between the two writes",
            )
        ]
    if named != newest.name:
        return [(newest, f"holds place #{last}, but {HEAD_NAME} names {named} there")]
    if head.get("recordSha256") != _sha256(newest):
        return [(newest, f"changed after it was written (the recordSha256 in {HEAD_NAME} differs)")]
    genesis = directory / GENESIS_NAME
    if genesis.exists() and head.get("genesisSha256") != _sha256(genesis):
        return [(path, "names another genesis record (genesisSha256)")]
    return []
