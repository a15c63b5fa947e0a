"""Field descriptions from attribute docstrings, read only when a schema is written.

pydantic's ``use_attribute_docstrings`` reads every model's source when the class is created: half
of the time it takes to import ``drillkit.spec.model``, paid by every command. The JSON Schema is
the only reader of those descriptions, so ``document`` adds them just before it is built.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
import types
import typing
from typing import Any

from pydantic import BaseModel


def attribute_docstrings(cls: type) -> dict[str, str]:
    """``{field: docstring}`` for the ``name: type`` lines of ``cls``'s own body that are followed
    by a string literal (the convention ``use_attribute_docstrings`` reads)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body
    if not body or not isinstance(body[0], ast.ClassDef):
        return {}
    docs: dict[str, str] = {}
    statements = body[0].body
    for stmt, after in itertools.pairwise(statements):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found.extend(_models_in(arg))
    return found


def document(model: type[BaseModel]) -> None:
    """Give every field of ``model`` and of the models it holds the description its attribute
    docstring gives (an explicit ``description`` wins), then rebuild them, innermost first."""
    order: list[type[BaseModel]] = []

    def visit(cls: type[BaseModel]) -> None:
        if cls in order:
            return
        order.append(cls)  # mark first: models may refer to each other
        docs: dict[str, str] = {}
        for base in reversed(cls.__mro__):
            if isinstance(base, type) and issubclass(base, BaseModel) and base is not BaseModel:
                docs.update(attribute_docstrings(base))
        for name, info in cls.model_fields.items():
            if info.description is None and name in docs:
                info.description = docs[name]
            for inner in _models_in(info.annotation):
                visit(inner)
        order.remove(cls)
        order.append(cls)  # after everything it holds

    visit(model)
    for cls in order:
        cls.model_rebuild(force=True)
