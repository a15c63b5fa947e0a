"""The JSON Schema of the drill file, for editors and for ``drillkit schema``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from drillkit.spec.model import Drill

SCHEMA_ID = "https://drillkit.dev/schemas/drill-v1.json"


def model_schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of ``model`` that YAML language servers can use."""
    from drillkit.spec.docstrings import document

    document(model)
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}


def drill_schema() -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of the drill file."""
    return model_schema(Drill, SCHEMA_ID)
