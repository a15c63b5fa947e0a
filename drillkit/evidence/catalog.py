"""The evidence directory read back: every run's JSON document, damaged files named, not fatal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drillkit.core.history import RunRow, run_row

GENESIS_NAME = "chain-genesis.json"
"""The first record of the evidence chain (see ``evidence/chain.py``); not a run."""
HEAD_NAME = "chain-head.json"
"""The chain's newest record and its hash (see ``evidence/chain_head.py``); not a run."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """The run documents of one evidence directory, and the files that could not be read."""

    directory: Path
    documents: tuple[tuple[Path, dict[str, Any]], ...]
    unreadable: tuple[tuple[Path, str], ...]

    def rows(self) -> list[RunRow]:
        """One history row per run document; its evidence is the Markdown file when present."""
        found = []
        for path, document in self.documents:
            markdown = path.with_suffix(".md")
            row = run_row(document, str(markdown if markdown.exists() else path))
            if row is not None:
                found.append(row)
        return found


def run_documents(
    paths: list[Path],
) -> tuple[list[tuple[Path, dict[str, Any]]], list[tuple[Path, str]]]:
    """Parse each JSON evidence file; a file that is not a run document is left out."""
    documents, unreadable = [], []
    for path in paths:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            unreadable.append((path, str(e)))
            continue
        if isinstance(document, dict) and isinstance(document.get("runId"), str):
            documents.append((path, document))
    return documents, unreadable


def evidence_json_files(directory: Path) -> list[Path]:
    """The run JSON files of ``directory`` in name order (not the chain's genesis or head, not
    partials)."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.glob("*.json")
        if p.name not in (GENESIS_NAME, HEAD_NAME) and not p.name.startswith(".")
    )


def read_catalog(directory: Path) -> Catalog:
    """Every run document of ``directory``; a missing directory is an empty catalog."""
    documents, unreadable = run_documents(evidence_json_files(directory))
    return Catalog(directory, tuple(documents), tuple(unreadable))
