"""Evidence documents of many runs, shaped by the real JSON renderer, with chosen figures."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from drillkit.evidence.json import render_json
from tests.evidence.reports import make_report

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@cache
def _base() -> str:
    return render_json(make_report())


def run_document(
    index: int,
    rto: float | None,
    *,
    drill: str = "us-outage",
    objective: float = 120.0,
    outcome: str | None = None,
    detect: float = 30.0,
    failback: float = 20.0,
) -> dict[str, Any]:
    """Run ``index`` (one per day from START) of ``drill``, with this RTO against ``objective``."""
    document: dict[str, Any] = copy.deepcopy(json.loads(_base()))
    started = START + timedelta(days=index)
    held = rto is not None and rto <= objective
    document["runId"] = f"{drill}-{started:%Y%m%dT%H%M%SZ}"
    document["startedAtUtc"] = started.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    document["drill"]["name"] = drill
    document["verdict"]["outcome"] = outcome or ("pass" if held else "fail")
    rto_measure = None if rto is None else {"measuredS": rto / 10, "realS": rto}
    document["metrics"]["rto"] = rto_measure
    document["metrics"]["timeToDetect"] = {"measuredS": detect / 10, "realS": detect}
    document["metrics"]["failback"] = {"measuredS": failback / 10, "realS": failback}
    document["objectives"] = [
        {"name": "rto", "targetS": objective, "measured": rto_measure, "held": held},
    ]
    return document


def write_runs(directory: Path, documents: list[dict[str, Any]]) -> list[Path]:
    """Write each document as ``<runId>.json`` (with a one-line Markdown and JUnit beside it)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for document in documents:
        path = directory / f"{document['runId']}.json"
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        (directory / f"{document['runId']}.md").write_text(f"# {document['runId']}\n")
        (directory / f"{document['runId']}.junit.xml").write_text("<testsuites/>\n")
        paths.append(path)
    return paths
