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
from collections.abc import Callable, Mapping
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


Converter = Callable[[Any], Any]
_CONVERTERS: dict[Any, Converter | None] = {}
_PLANS: dict[type, list[tuple[str, str, Converter | None, bool]]] = {}


def decode(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the dataclass ``cls`` from its JSON object (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    kwargs: dict[str, Any] = {}
    for name, key, conv, required in _plan(cls):
        if key in data:
            kwargs[name] = data[key] if conv is None else conv(data[key])
        elif required:
            raise ValueError(f"{cls.__name__}: missing {key!r}")
    return cls(**kwargs)


def convert(tp: Any, value: Any) -> Any:
    """``value`` (decoded JSON) as the type ``tp`` asks for."""
    conv = converter(tp)
    return value if conv is None else conv(value)


def _plan(cls: type) -> list[tuple[str, str, Converter | None, bool]]:
    """(field, key, converter, required) per init field of ``cls``, worked out once."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _PLANS[cls] = [
            (
                f.name,
                camel(f.name),
                converter(hints[f.name]),
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            )
            for f in dataclasses.fields(cls)
            if f.init
        ]
    return plan


def converter(tp: Any) -> Converter | None:
    """A function from decoded JSON to ``tp`` (None: the JSON value is already right)."""
    if tp not in _CONVERTERS:
        _CONVERTERS[tp] = _build(tp)
    return _CONVERTERS[tp]


def _build(tp: Any) -> Converter | None:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union(tp)
    if origin is tuple:
        item = converter(typing.get_args(tp)[0])
        return lambda v: tuple(_sequence(v) if item is None else map(item, _sequence(v)))
    if origin in (dict, Mapping):
        value = converter(typing.get_args(tp)[1])

        def mapping(v: Any) -> Any:
            if not isinstance(v, Mapping):
                raise ValueError(f"expected an object for {tp}")
            return {str(k): x if value is None else value(x) for k, x in v.items()}

        return mapping
    return _plain(tp)


def _union(tp: Any) -> Converter | None:
    args = typing.get_args(tp)
    nullable = type(None) in args
    present = [a for a in args if a is not type(None)]
    structured = [a for a in present if _structured(a)]
    chosen = present if len(present) == 1 else structured
    inner = converter(chosen[0]) if len(chosen) == 1 else None
    if inner is None and nullable:
        return None

    def union(v: Any) -> Any:
        if v is None:
            if nullable:
                return None
            raise ValueError(f"null where {tp} is required")
        return v if inner is None else inner(v)

    return union


def _plain(tp: Any) -> Converter | None:
    if not isinstance(tp, type):
        return None
    if dataclasses.is_dataclass(tp):
        return functools.partial(decode, tp)
    if issubclass(tp, Enum):
        return tp
    if tp is float:
        return float
    if tp is bool:
        return _bool
    return None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
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
