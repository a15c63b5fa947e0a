"""``drillkit report`` from the record itself: exactly what the run wrote, then what came later.

The run's journal names the evidence files it wrote (its ``evidence`` record). When they are
still there, ``report`` prints the one asked for unchanged, and, separately, whatever the journal
recorded after it (a later ``drillkit restore``, say). A changed Markdown or JUnit file (its
SHA-256 differs from the one sealed in the JSON record) is said out loud, not hidden.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drillkit.engine.records import (
    EvidenceWritten,
    Record,
    RecoveryFinished,
    RecoveryStarted,
    RestoreChecked,
    RunFinished,
    read_journal,
)

_KEYS = {"md": "markdown", "json": "json", "junit": "junit"}
_SEALED = {"md": "markdownSha256", "junit": "junitSha256"}


@dataclass(frozen=True, slots=True)
class RecordedReport:
    """The evidence text as written at run time, where it is, and what happened since."""

    text: str
    path: Path
    later: tuple[str, ...]
    warnings: tuple[str, ...]


def _when(record: Record) -> str:
    return datetime.fromtimestamp(record.wall, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def later_events(records: list[Record]) -> list[str]:
    """One line per thing the journal recorded after the evidence was written."""
    # The run itself ends with run.finished (after its evidence and unlock); a run killed
    # before that has no evidence to show, so its end is the evidence record at the latest.
    ends = [i for i, r in enumerate(records) if isinstance(r, RunFinished | EvidenceWritten)]
    if not ends:
        return []
    end = next((i for i in ends if isinstance(records[i], RunFinished)), ends[0])
    lines = []
    for record in records[end + 1 :]:
        if isinstance(record, RecoveryStarted):
            lines.append(
                f"{_when(record)} drillkit restore started" + (" (--force)" if record.force else "")
            )
        elif isinstance(record, RestoreChecked):
            detail = f" ({record.detail})" if record.detail else ""
            lines.append(
                f"{_when(record)} {record.what}: {record.outcome}, now {record.actual}{detail}"
            )
        elif isinstance(record, RecoveryFinished):
            state = "everything is back" if record.restored else "something is still not back"
            lines.append(f"{_when(record)} drillkit restore finished: {state}")
        else:
            lines.append(f"{_when(record)} {record.kind}")
    return lines


def _candidates(recorded: str, journal: Path) -> list[Path]:
    path = Path(recorded)
    if path.is_absolute():
        return [path]
    # A relative path was relative to where the run was started: the cwd then, which is
    # usually the project holding .drillkit/runs/<run>/journal.jsonl.
    parents = journal.resolve().parents
    return [path, parents[3] / path] if len(parents) > 3 else [path]


def _sealed_mismatch(fmt: str, path: Path, json_path: Path | None) -> str | None:
    if fmt not in _SEALED or json_path is None or not json_path.is_file():
        return None
    try:
        sealed = json.loads(json_path.read_text(encoding="utf-8")).get("integrity", {})
    except (OSError, ValueError, AttributeError):
        return None
    expected = sealed.get(_SEALED[fmt]) if isinstance(sealed, dict) else None
    if expected and expected != hashlib.sha256(path.read_bytes()).hexdigest():
        return f"{path} changed after the run wrote it (its SHA-256 differs from {json_path.name})"
    return None


def recorded_report(journal: Path, fmt: str) -> RecordedReport | None:
    """The evidence of format ``fmt`` as the run wrote it; None when it is not on disk."""
    records = read_journal(journal)
    written = next((r for r in records if isinstance(r, EvidenceWritten)), None)
    if written is None or _KEYS[fmt] not in written.paths:
        return None
    found = next((p for p in _candidates(written.paths[_KEYS[fmt]], journal) if p.is_file()), None)
    if found is None:
        return None
    json_found = None
    if "json" in written.paths:
        json_found = next(
            (p for p in _candidates(written.paths["json"], journal) if p.is_file()), None
        )
    mismatch = _sealed_mismatch(fmt, found, json_found)
    return RecordedReport(
        text=found.read_text(encoding="utf-8"),
        path=found,
        later=tuple(later_events(records)),
        warnings=(mismatch,) if mismatch else (),
    )


def after_the_run_markdown(later: tuple[str, ...]) -> str:
    """The separate Markdown section appended after the recorded evidence."""
    lines = ["", "---", "", "## After the run", "", "Recorded in the run's journal after this",
             "evidence was written (not part of the record above):", ""]  # fmt: skip
    lines += [f"- {line}" for line in later]
    return "\n".join(lines) + "\n"
