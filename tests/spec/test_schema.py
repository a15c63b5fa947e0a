"""The published JSON Schema accepts the shipped drills and documents every field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from drillkit.spec.schema import drill_schema
from tests.conftest import AKS_EXAMPLE, DRILLS, US_OUTAGE


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [(f"Drill.{k}", v) for k, v in schema["properties"].items()]
    for name, definition in schema["$defs"].items():
        found += [(f"{name}.{k}", v) for k, v in definition.get("properties", {}).items()]
    return found


@pytest.mark.parametrize(
    "path",
    [US_OUTAGE, DRILLS / "sandbox" / "eu-outage.yaml", DRILLS / "sandbox" / "us-outage-manual.yaml",
     AKS_EXAMPLE],
)  # fmt: skip
def test_schema_accepts_shipped_drills(path: Path) -> None:
    """What an editor's YAML language server checks agrees with drillkit on the shipped drills."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(drill_schema()).validate(document)


def test_schema_rejects_an_unknown_fault_type() -> None:
    """The schema, like the loader, refuses a fault type that does not exist."""
    document = yaml.safe_load(US_OUTAGE.read_text(encoding="utf-8"))
    document["fault"]["type"] = "meteor"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(drill_schema()).validate(document)


def test_every_field_is_documented() -> None:
    """Every property carries a description, which editors show on hover."""
    undocumented = [name for name, prop in _properties(drill_schema()) if "description" not in prop]
    assert undocumented == []


def test_field_docs_are_read_only_for_the_schema() -> None:
    """Models are built without reading their source; the schema still has the docstrings."""
    from drillkit.spec.docstrings import attribute_docstrings
    from drillkit.spec.model import Drill

    assert not Drill.model_config.get("use_attribute_docstrings")
    docs = attribute_docstrings(Drill)
    assert docs, "Drill's attribute docstrings are readable from its source"
    described = drill_schema()["properties"]
    assert all(
        "description" in described[field.alias or name]
        for name, field in Drill.model_fields.items()
        if name in docs
    )
