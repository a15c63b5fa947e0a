"""Hypothesis strategies for JSON-like documents: random values, and structure-aware mutations
of a valid document (replace, delete or add fields, keeping JSON types or not)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["Enabled", "Disabled", "Priority", "Geographic", "HTTP", "TCP", "GEO-NA"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _like(draw: st.DrawFn, value: Any) -> Any:
    """A random value of the same JSON type as ``value`` (or null, which ARM clients send)."""
    if isinstance(value, bool):
        return draw(st.one_of(st.none(), st.booleans()))
    if isinstance(value, int):
        return draw(st.one_of(st.none(), st.integers(min_value=-(2**40), max_value=2**40)))
    if isinstance(value, float):
        return draw(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)))
    if isinstance(value, str):
        return draw(st.one_of(st.none(), scalars.filter(lambda v: isinstance(v, str))))
    return draw(st.one_of(st.none(), st.builds(type(value))))  # an empty {} or [] in its place


@st.composite
def mutated(draw: st.DrawFn, base: Any, keep_types: bool = True) -> Any:
    """``base`` with a few values replaced, deleted, or given extra keys.

    ``keep_types``: a replacement has the JSON type of what it replaces (or is null); otherwise
    any JSON value goes anywhere.
    """
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(body)
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            old = parent[path[-1]]
            parent[path[-1]] = _like(draw, old) if keep_types else draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = (
                _like(draw, "") if keep_types else draw(json_values)
            )
    return body
