"""Safe YAML reading that keeps where every value came from.

Only plain YAML is accepted: scalars, mappings and sequences with the core tags. Python tags and
custom tags are refused, duplicate keys are refused, and alias expansion is bounded so that an
"alias bomb" fails at once instead of eating the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from drillkit.errors import Problem

MAX_NODES = 20_000
MAX_DEPTH = 64
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_constructor = yaml.constructor.SafeConstructor()

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed document plus the 1-based (line, column) of each value and mapping key."""

    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The location of ``path``, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        for cut in range(len(path), -1, -1):
            found = table.get(path[:cut]) or self.values.get(path[:cut])
            if found:
                return found
        return (1, 1)


class YamlProblems(Exception):
    """Raised with the problems found while reading YAML."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def read_yaml(text: str, filename: str) -> Located:
    """Parse one YAML document. Raises ``YamlProblems`` with located messages."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblems([Problem(filename, line, col, _describe(e, text))]) from None
    except yaml.YAMLError as e:
        raise YamlProblems([Problem(filename, 1, 1, f"not valid YAML: {e}")]) from None
    if root is None:
        raise YamlProblems([Problem(filename, 1, 1, "the file is empty; expected a document")])
    walker = _Walker(filename)
    located = Located(data=None)
    located.data = walker.build(root, (), located, depth=0)
    if walker.problems:
        raise YamlProblems(walker.problems)
    return located


def _describe(e: yaml.MarkedYAMLError, text: str) -> str:
    problem = (e.problem or str(e)).strip()
    mark = e.problem_mark
    at = text[mark.index] if mark is not None and 0 <= mark.index < len(text) else ""
    if at == "\t" or "'\\t'" in problem:
        return "tab character: YAML indentation must use spaces, not tabs"
    if "expected a single document" in str(e.context or ""):
        return "found more than one YAML document; a drill file holds exactly one"
    context = f" ({e.context.strip()})" if e.context else ""
    return f"YAML syntax error: {problem}{context}"


class _Walker:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.nodes = 0
        self.bombed = False

    def _fail(self, node: yaml.Node, message: str) -> None:
        line, col = _pos(node)
        self.problems.append(Problem(self.filename, line, col, message))

    def build(self, node: yaml.Node, path: Path_, out: Located, depth: int) -> Any:
        if self.bombed:
            return None
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            self.bombed = True
            self._fail(
                node,
                f"document too large or too deeply nested (more than {MAX_NODES} values or "
                f"{MAX_DEPTH} levels after expanding aliases); is this an alias bomb?",
            )
            return None
        out.values.setdefault(path, _pos(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_CORE}seq":
                self._fail(node, f"tag {node.tag!r} is not allowed; use plain YAML lists")
                return None
            return [
                self.build(item, (*path, i), out, depth + 1) for i, item in enumerate(node.value)
            ]
        assert isinstance(node, yaml.MappingNode)
        if node.tag != f"{_CORE}map":
            self._fail(node, f"tag {node.tag!r} is not allowed; use plain YAML mappings")
            return None
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, "mapping keys must be plain strings")
                continue
            key = self._scalar(key_node)
            if key_node.tag == f"{_CORE}merge":
                self._fail(key_node, "merge keys (<<) are not supported; write the fields out")
                continue
            if not isinstance(key, str):
                key = str(key) if key is not None else "null"
            if key in result:
                first = out.keys.get((*path, key), (0, 0))[0]
                self._fail(key_node, f"duplicate key {key!r} (first defined on line {first})")
                continue
            out.keys[(*path, key)] = _pos(key_node)
            result[key] = self.build(value_node, (*path, key), out, depth + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            self._fail(node, f"tag {tag!r} is not allowed; drill files are plain YAML")
            return None
        if tag in (f"{_CORE}str", f"{_CORE}timestamp"):
            return node.value
        try:
            return _constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value
