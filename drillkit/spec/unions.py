"""pydantic's errors for a union without a discriminator, as the user wrote it.

``fault.controllers`` is ``refuse | pause`` or a mapping (``{policy, argocd}``): pydantic tries
every member and reports each member's errors under the member's tag (``literal['refuse',
'pause']``, ``ControllersPolicy``). The user wrote one shape, so only the errors of the member of
that shape say what is wrong (``argocd.kubeContext`` is missing), and a tag is no field of the
document: ``shaped`` keeps those errors, with the tags taken out of their ``loc``.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

SCALAR_TAGS = ("literal[", "function-", "list[", "dict[")
SCALAR_TYPES = frozenset({"str", "int", "float", "bool"})


def shaped(errors: list[ErrorDetails], data: Any, root: type[BaseModel]) -> list[ErrorDetails]:
    """``errors`` with union member tags taken out of each ``loc``; an error from a member whose
    shape is not the input's (a literal's for a mapping, a model's for a scalar) is dropped."""
    names = model_names(root)
    out: list[ErrorDetails] = []
    for item in errors:
        node, loc, other_shape = data, [], False
        for part in item["loc"]:
            indexable = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if (isinstance(node, dict) and part in node) or indexable:
                node = node[part]
            elif isinstance(node, dict) and node.get("type") == part:
                pass  # a discriminated union's tag (the fault type): the caller reads it
            elif isinstance(part, str) and (
                part in names or part in SCALAR_TYPES or part.startswith(SCALAR_TAGS)
            ):
                other_shape |= (part in names) != isinstance(node, dict)
                continue
            else:
                node = None  # a missing key
            loc.append(part)
        if not other_shape:
            out.append({**item, "loc": tuple(loc)})
    return out or errors


def model_names(root: type[BaseModel]) -> frozenset[str]:
    """The class names of ``root`` and of every model inside its fields (pydantic's tags)."""
    seen: dict[str, type[BaseModel]] = {}
    stack = [root]
    while stack:
        model = stack.pop()
        if model.__name__ not in seen:
            seen[model.__name__] = model
            stack.extend(m for f in model.model_fields.values() for m in _nested(f.annotation))
    return frozenset(seen)


def _nested(annotation: Any) -> list[type[BaseModel]]:
    """Every model inside ``annotation``, through unions and containers."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _nested(a)]


def container(annotation: Any) -> Any:
    """``dict[...]`` or ``list[...]`` inside ``annotation`` (through Optional), else None."""
    if typing.get_origin(annotation) in (list, dict):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return container(inner[0])
    return None


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field's annotation may hold directly (through unions, not containers)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return [m for a in typing.get_args(annotation) for m in models_in(a)]
    return []
