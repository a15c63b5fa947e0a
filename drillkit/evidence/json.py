"""JSON evidence: the evidence document, pretty-printed with stable key order."""

from __future__ import annotations

import json

from drillkit.core.report import RunReport
from drillkit.evidence.document import evidence_document


def render_json(report: RunReport) -> str:
    """The run as one JSON document (camelCase keys, epoch-second instants), newline-terminated."""
    return json.dumps(evidence_document(report), indent=2, ensure_ascii=False) + "\n"
