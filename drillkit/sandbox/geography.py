"""Traffic Manager's default geographic hierarchy and the lookup Geographic routing needs."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class GeoRegion:
    """One node of the hierarchy: WORLD, a GEO-xx group, a country or a state."""

    code: str
    name: str
    regions: tuple[GeoRegion, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The ARM ``Region`` shape (name, code, regions)."""
        return {
            "name": self.name,
            "code": self.code,
            "regions": [child.to_json() for child in self.regions],
        }


def _parse(lines: list[str]) -> GeoRegion:
    # Each stack entry: (depth, code, name, children); children are closed when depth drops.
    stack: list[tuple[int, str, str, list[GeoRegion]]] = []

    def close_to(depth: int) -> None:
        while len(stack) > 1 and stack[-1][0] >= depth:
            _, code, name, children = stack.pop()
            stack[-1][3].append(GeoRegion(code, name, tuple(children)))

    for raw in lines:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        depth = (len(raw) - len(raw.lstrip(" "))) // 2
        code, _, name = raw.strip().partition(" ")
        close_to(depth)
        stack.append((depth, code, name, []))
    close_to(0)
    _, code, name, children = stack[0]
    return GeoRegion(code, name, tuple(children))


@functools.cache
def default_hierarchy() -> GeoRegion:
    """The whole documented tree, rooted at WORLD."""
    text = resources.files(__package__).joinpath("geography_regions.txt").read_text("utf-8")
    return _parse(text.splitlines())


@functools.cache
def _parents() -> dict[str, str | None]:
    parents: dict[str, str | None] = {}

    def walk(node: GeoRegion, parent: str | None) -> None:
        parents[node.code] = parent
        for child in node.regions:
            walk(child, node.code)

    walk(default_hierarchy(), None)
    return parents


def known_codes() -> frozenset[str]:
    """Every code the hierarchy defines (case as documented, upper)."""
    return frozenset(_parents())


def lineage(code: str) -> list[str]:
    """The code and its ancestors, most specific first (``US-NY, US, GEO-NA, WORLD``)."""
    parents = _parents()
    current: str | None = code.upper()
    if current not in parents:
        return ["WORLD"]
    chain: list[str] = []
    while current is not None:
        chain.append(current)
        current = parents[current]
    return chain
