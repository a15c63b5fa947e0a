"""The JSON Schema of the drill file, for editors and for ``drillkit schema``."""

from __future__ import annotations

from typing import Any

from drillkit.spec.model import Drill

SCHEMA_ID = "https://drillkit.dev/schemas/drill-v1.json"


def drill_schema() -> dict[str, Any]:
    """A draft 2020-12 JSON Schema that YAML language servers can use."""
    schema = Drill.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
