"""The evidence chain: each run's JSON records the SHA-256 of the one before it, back to a genesis.

Sealing adds an ``integrity`` object to a run's JSON evidence::

    "integrity": {
      "chainVersion": 1,
      "sequence": 3,                         # 1 for the first run after the genesis record
      "genesisSha256": "...",                # of chain-genesis.json
      "previousEvidence": "run-2.json",      # chain-genesis.json for sequence 1
      "previousEvidenceSha256": "...",       # of that file's bytes
      "markdownSha256": "...",               # of this run's .md (null when absent)
      "junitSha256": "...",                  # of this run's .junit.xml (null when absent)
      "documentSha256": "..."                # of this JSON, canonical, without this one field
    }

plus ``"adopted": [...]`` (records of earlier, killed runs this seal put in the chain first) or
``"sealedLate": {"by", "atUtc", "why"}`` on such a record. Anyone can check it with
``sha256sum``; ``verify_chain`` does it all and names the first broken link. The newest record
has no successor to vouch for its bytes: ``documentSha256`` covers its content (canonical JSON,
so not whitespace), ``chain-head.json`` its bytes (see ``chain_head.py``), and a signature
(``drillkit run --sign-key``) both, against whoever could rewrite the head file too.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillkit.evidence.catalog import GENESIS_NAME, HEAD_NAME, evidence_json_files
from drillkit.evidence.chain_head import head_problems, head_text
from drillkit.evidence.files import write_atomically

CHAIN_VERSION = 1


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes (what ``sha256sum`` prints)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def document_sha256(document: dict[str, Any]) -> str:
    """The SHA-256 of the document as canonical JSON, leaving out ``integrity.documentSha256``."""
    copy = dict(document)
    integrity = copy.get("integrity")
    if isinstance(integrity, dict):
        copy["integrity"] = {k: v for k, v in integrity.items() if k != "documentSha256"}
    canonical = json.dumps(copy, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Two runs finishing at once in one directory must not both extend the same head.

    The lock is taken on the directory itself, so no lock file joins the evidence in git.
    """
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the lock


def _genesis(directory: Path, created_at_utc: str) -> Path:
    path = directory / GENESIS_NAME
    if not path.exists():
        record = {
            "schemaVersion": 1,
            "kind": "DrillkitEvidenceGenesis",
            "createdAtUtc": created_at_utc,
            "nonce": secrets.token_hex(16),
            "note": "The first record of this directory's evidence chain; see `drillkit verify`.",
        }
        write_atomically(path, json.dumps(record, indent=2) + "\n")
    return path


def _sealed(directory: Path) -> list[tuple[int, Path]]:
    found = []
    for path in evidence_json_files(directory):
        try:
            integrity = json.loads(path.read_text(encoding="utf-8")).get("integrity")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(integrity, dict) and isinstance(integrity.get("sequence"), int):
            found.append((integrity["sequence"], path))
    return sorted(found)


def _sibling(json_path: Path, suffix: str) -> Path:
    return json_path.with_name(json_path.name.removesuffix(".json") + suffix)


def _digest(path: Path) -> str | None:
    return sha256_file(path) if path.exists() else None


def _integrity(json_path: Path) -> dict[str, Any] | None:
    document, _ = _load(json_path)
    integrity = document.get("integrity") if document is not None else None
    if isinstance(integrity, dict) and isinstance(integrity.get("sequence"), int):
        return integrity
    return None


def _unsealed_before(directory: Path, json_path: Path) -> list[Path]:
    """Run records left unsealed (their run was killed after writing them, before sealing) that
    started no later than ``json_path``'s run, oldest first."""

    def started(document: dict[str, Any]) -> str:
        return str(document.get("startedAtUtc") or "")

    own, _ = _load(json_path)
    until = started(own or {})
    found = []
    for path in evidence_json_files(directory):
        document, _ = _load(path)
        if path == json_path or document is None or not isinstance(document.get("runId"), str):
            continue
        if _integrity(path) is None and started(document) <= until:
            found.append((started(document), path.name, path))
    return [path for *_, path in sorted(found)]


def _link(
    json_path: Path, genesis: Path, previous: tuple[int, Path], extra: dict[str, Any]
) -> dict[str, Any]:
    """Seal one record as the successor of ``previous`` (its place and file); returns it."""
    document: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    document.pop("integrity", None)
    sequence, before = previous
    integrity: dict[str, Any] = {
        "chainVersion": CHAIN_VERSION,
        "sequence": sequence + 1,
        "genesisSha256": sha256_file(genesis),
        "previousEvidence": before.name,
        "previousEvidenceSha256": sha256_file(before),
        "markdownSha256": _digest(_sibling(json_path, ".md")),
        "junitSha256": _digest(_sibling(json_path, ".junit.xml")),
        **extra,
    }
    document["integrity"] = integrity
    integrity["documentSha256"] = document_sha256(document)
    write_atomically(json_path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return document


def seal(json_path: Path, created_at_utc: str) -> dict[str, Any]:
    """Link a freshly written run's JSON evidence to the chain of its directory; returns it.

    The Markdown and JUnit files next to it must already be written: their hashes go in. Records
    of earlier runs that were written but never sealed (a run killed in between) are sealed
    first, in order, each marked ``sealedLate``, and named in this record's ``adopted``. A record
    already in the chain (adopted by another run) is returned as it is. Then ``chain-head.json``
    is rewritten to name the newest record (its old signature, now stale, removed).
    """
    directory = json_path.parent
    with _locked(directory):
        genesis = _genesis(directory, created_at_utc)
        if _integrity(json_path) is not None:
            return dict(json.loads(json_path.read_text(encoding="utf-8")))
        chain = _sealed(directory)
        previous = chain[-1] if chain else (0, genesis)
        adopted = []
        for late in _unsealed_before(directory, json_path):
            why = "written but not sealed when its run ended (killed before sealing?)"
            mark = {"sealedLate": {"by": json_path.name, "atUtc": created_at_utc, "why": why}}
            _link(late, genesis, previous, mark)
            previous = (previous[0] + 1, late)
            adopted.append(late.name)
        document = _link(json_path, genesis, previous, {"adopted": adopted} if adopted else {})
        head = directory / HEAD_NAME
        write_atomically(head, head_text(json_path, previous[0] + 1, genesis, created_at_utc))
        head.with_name(head.name + ".sig").unlink(missing_ok=True)
    return document


@dataclass(frozen=True, slots=True)
class Break:
    """A link of the chain that does not hold: the file that changed and how."""

    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What ``verify_chain`` found: the records in chain order, unsealed ones, every break."""

    directory: Path
    records: tuple[Path, ...]
    unsealed: tuple[Path, ...]
    breaks: tuple[Break, ...]
    sealed_late: tuple[tuple[Path, str], ...] = ()
    """Records sealed by a later run (their own was killed before sealing), and by which."""

    @property
    def first_break(self) -> Break | None:
        """The earliest broken link in chain order."""
        return self.breaks[0] if self.breaks else None


def _load(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, f"cannot be read as JSON ({e})"
    if not isinstance(document, dict):
        return None, "is not a JSON object"
    return document, None


def _record_breaks(path: Path, integrity: dict[str, Any], document: dict[str, Any]) -> list[Break]:
    found = []
    if integrity.get("documentSha256") != document_sha256(document):
        found.append(Break(path, "its content changed after it was written (documentSha256)"))
    for key, suffix in (("markdownSha256", ".md"), ("junitSha256", ".junit.xml")):
        sibling = _sibling(path, suffix)
        if integrity.get(key) is not None and integrity.get(key) != _digest(sibling):
            what = "is missing" if not sibling.exists() else "changed after it was written"
            found.append(Break(sibling, f"{what} (the {key} recorded in {path.name} differs)"))
    return found


def _link_break(path: Path, integrity: dict[str, Any], previous: Path) -> Break | None:
    named = integrity.get("previousEvidence")
    if named != previous.name:
        return Break(
            path, f"names {named} as the previous record, but the chain has {previous.name}"
        )
    if not previous.exists():
        return Break(previous, f"is missing (recorded as the previous record of {path.name})")
    if integrity.get("previousEvidenceSha256") != sha256_file(previous):
        return Break(
            previous,
            f"changed after it was written (the previousEvidenceSha256 in {path.name} differs)",
        )
    return None


def verify_chain(directory: Path) -> ChainReport:
    """Recompute every hash of the chain in ``directory``; report breaks in chain order."""
    breaks: list[Break] = []
    unsealed: list[Path] = []
    sealed: dict[int, list[tuple[Path, dict[str, Any]]]] = {}
    for path in evidence_json_files(directory):
        document, problem = _load(path)
        if document is None:
            breaks.append(Break(path, problem or "unreadable"))
            continue
        integrity = document.get("integrity")
        if not isinstance(integrity, dict) or not isinstance(integrity.get("sequence"), int):
            if isinstance(document.get("runId"), str):
                unsealed.append(path)
            continue
        sealed.setdefault(integrity["sequence"], []).append((path, document))
    genesis = directory / GENESIS_NAME
    records: list[Path] = []
    sealed_late: list[tuple[Path, str]] = []
    if sealed and not genesis.exists():
        breaks.insert(0, Break(genesis, "is missing (every chain starts with it)"))
    previous = genesis
    for sequence in range(1, max(sealed, default=0) + 1):
        entries = sealed.get(sequence)
        if not entries:
            breaks.append(
                Break(
                    directory, f"record #{sequence} of the chain is missing (after {previous.name})"
                )
            )
            continue
        if len(entries) > 1:
            names = ", ".join(p.name for p, _ in entries)
            breaks.append(Break(directory, f"records {names} all claim place #{sequence}"))
        path, document = entries[0]
        integrity = document["integrity"]
        breaks.extend(_record_breaks(path, integrity, document))
        if genesis.exists() and integrity.get("genesisSha256") != sha256_file(genesis):
            breaks.append(Break(genesis, f"changed after {path.name} was written (genesisSha256)"))
        link = _link_break(path, integrity, previous)
        if link is not None:
            breaks.append(link)
        records.append(path)
        previous = path
        late = integrity.get("sealedLate")
        if isinstance(late, dict):
            sealed_late.append((path, str(late.get("by"))))
    breaks.extend(Break(p, problem) for p, problem in head_problems(directory, records))
    return ChainReport(
        directory, tuple(records), tuple(unsealed), tuple(breaks), tuple(sealed_late)
    )
