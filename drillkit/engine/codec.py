"""JSON <-> frozen dataclasses for the journal: camelCase keys, driven by the type hints.

Decoding is tolerant: unknown keys are ignored and missing keys take the field's default, so a
record written by an older or newer drillkit still reads. A missing required field raises
``ValueError`` (the reader turns it into an ``UnknownRecord``).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")


@functools.cache
def camel(name: str) -> str:
    """``drill_sha256`` -> ``drillSha256``: the journal's key for a field."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def encode(value: Any) -> Any:
    """A JSON-ready copy of ``value``: dataclasses as camelCase objects, enums as their values.

    A field whose default is None is left out while it is None (records stay short).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None and f.default is None:
                continue
            out[camel(f.name)] = encode(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def decode(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the dataclass ``cls`` from its JSON object (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init:
            continue
        key = camel(f.name)
        if key in data:
            kwargs[f.name] = convert(hints[f.name], data[key])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"{cls.__name__}: missing {key!r}")
    return cls(**kwargs)


def convert(tp: Any, value: Any) -> Any:
    """``value`` (decoded JSON) as the type ``tp`` asks for."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise ValueError(f"null where {tp} is required")
        present = [a for a in args if a is not type(None)]
        if len(present) == 1:
            return convert(present[0], value)
        structured = [a for a in present if _structured(a)]
        return convert(structured[0], value) if len(structured) == 1 else value
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(convert(item, v) for v in _sequence(value))
    if origin in (dict, Mapping):
        item = typing.get_args(tp)[1]
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object for {tp}")
        return {str(k): convert(item, v) for k, v in value.items()}
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return decode(tp, value)
        if issubclass(tp, Enum):
            return tp(value)
        if tp is float:
            return float(value)
        if tp is bool and not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
    return value


def _structured(tp: Any) -> bool:
    if typing.get_origin(tp) in (tuple, dict, Mapping):
        return True
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or issubclass(tp, Enum))


def _sequence(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return list(value)
