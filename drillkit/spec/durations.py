"""Durations written with a unit (``250ms``, ``30s``, ``10m``, ``1h30m``), as seconds."""

from __future__ import annotations

import re
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = r"(\d+(?:\.\d+)?)(ms|s|m|h)"
PATTERN = rf"^(?:{_PART})+$"
_WHOLE = re.compile(PATTERN)
_PARTS = re.compile(_PART)


class Duration(float):
    """A non-negative number of seconds that remembers how it was written."""

    text: str

    def __new__(cls, seconds: float, text: str | None = None) -> Duration:
        self = super().__new__(cls, seconds)
        self.text = text if text is not None else _format(seconds)
        return self

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``250ms``, ``30s``, ``10m``, ``2h`` or a sum such as ``1m30s``."""
        cleaned = text.strip()
        if cleaned.startswith("-"):
            raise ValueError(f"duration {text!r} is negative; durations are zero or more")
        if not _WHOLE.match(cleaned):
            raise ValueError(
                f"{text!r} is not a duration; write a number with a unit: ms, s, m or h "
                "(for example 250ms, 30s, 10m)"
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in _PARTS.findall(cleaned))
        return cls(seconds, cleaned)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Duration({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Duration, (float(self), self.text))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Duration:
            if isinstance(value, Duration):
                return value
            if isinstance(value, bool) or not isinstance(value, str):
                raise ValueError(
                    f"expected a duration string with a unit (for example 30s), got {value!r}"
                )
            return cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": PATTERN,
            "examples": ["250ms", "30s", "10m"],
            "description": "A duration with a unit: ms, s, m or h.",
        }


def _format(seconds: float) -> str:
    if seconds and seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:g}s"
