"""Read a drill (or world) file into its model, reporting every problem with its location."""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from drillkit.errors import DrillDefinitionError, Problem
from drillkit.spec.model import Drill
from drillkit.spec.unions import container, models_in, shaped
from drillkit.spec.yamlsource import Located, Path_, YamlProblems, read_yaml

M = TypeVar("M", bound=BaseModel)
MAX_BYTES = 1_000_000
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_BAD_VAR = re.compile(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})")

CrossCheck = Callable[[Any, Path], list[tuple[Path_, str]]]


def load_drill(
    path: Path, env: Mapping[str, str] | None = None, unset: list[Problem] | None = None
) -> Drill:
    """Load and validate a drill file, cross-field checks included.

    An unset ``${VAR}`` is an error, unless ``unset`` is a list: then each one is appended to it
    as a warning and the reference is left as written (``validate`` without ``--strict``).
    """
    return load_model(path, Drill, env=env, cross_check=drill_cross_checks, unset=unset)


def load_model(
    path: Path,
    model: type[M],
    *,
    env: Mapping[str, str] | None = None,
    cross_check: CrossCheck | None = None,
    unset: list[Problem] | None = None,
) -> M:
    """Load ``path`` as ``model``. Raises ``DrillDefinitionError`` carrying every problem.

    ``unset``: see ``load_drill``.
    """
    name = str(path)
    text = _read_text(path, name)
    try:
        located = read_yaml(text, name)
    except YamlProblems as e:
        raise DrillDefinitionError(e.problems) from None
    problems: list[Problem] = []
    if located.data is None:
        raise DrillDefinitionError([Problem(name, 1, 1, "the document is empty; expected a drill")])
    if not isinstance(located.data, dict):
        kind = type(located.data).__name__
        kind = {"list": "a list", "str": "a string", "NoneType": "null"}.get(kind, f"a {kind}")
        raise DrillDefinitionError(
            [Problem(name, 1, 1, f"expected a mapping (apiVersion: ..., kind: ...), got {kind}")]
        )
    if "$" in text:
        substitute = _Substituter(env if env is not None else os.environ, located, name, unset)
        located.data = substitute(located.data)
        problems.extend(substitute.problems)
    base = path.parent
    result: M | None = None
    try:
        result = model.model_validate(located.data)
    except ValidationError as e:
        problems.extend(_from_validation(e, located, model, name))
    if cross_check is not None:
        for where, message in cross_check(located.data, base):
            line, col = located.where(where)
            problems.append(Problem(name, line, col, message))
    if problems or result is None:
        problems.sort(key=lambda p: (p.line, p.column))
        raise DrillDefinitionError(_unique(problems))
    return result


def _read_text(path: Path, name: str) -> str:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DrillDefinitionError([Problem(name, 1, 1, "no such file")]) from None
    except IsADirectoryError:
        raise DrillDefinitionError([Problem(name, 1, 1, "is a directory, not a file")]) from None
    except OSError as e:
        raise DrillDefinitionError([Problem(name, 1, 1, f"cannot read: {e.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise DrillDefinitionError([Problem(name, 1, 1, f"larger than {MAX_BYTES} bytes")])
    if b"\x00" in raw:
        raise DrillDefinitionError([Problem(name, 1, 1, "binary content; expected YAML text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DrillDefinitionError(
            [Problem(name, line, 1, "not UTF-8 text; drill files are UTF-8 YAML")]
        ) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise DrillDefinitionError(
            [Problem(name, 1, 1, "the file is empty; expected a drill document")]
        )
    return text


class _Substituter:
    """Replaces ``${VAR}`` and ``${VAR:-default}`` in string values; ``$$`` is a literal ``$``."""

    def __init__(
        self, env: Mapping[str, str], located: Located, name: str, unset: list[Problem] | None
    ) -> None:
        self.env, self.located, self.name = env, located, name
        self.problems: list[Problem] = []
        self.unset = unset

    def __call__(self, value: Any, path: Path_ = ()) -> Any:
        if isinstance(value, dict):
            return {k: self(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "$" not in value:
            return value
        line, col = self.located.where(path)
        if _BAD_VAR.search(value):
            self.problems.append(
                Problem(
                    self.name,
                    line,
                    col,
                    f"malformed variable in {value!r}; write ${{NAME}} or ${{NAME:-default}}",
                )
            )
            return value

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            var, default = match.group(1), match.group(2)
            if var in self.env:
                return self.env[var]
            if default is not None:
                return default
            problem = Problem(
                self.name,
                line,
                col,
                f"environment variable {var} is not set "
                f"(use ${{{var}:-default}} to give a default)",
            )
            if self.unset is not None:
                self.unset.append(problem)
                return match.group(0)
            self.problems.append(problem)
            return ""

        return _VAR.sub(replace, value)


def _from_validation(
    error: ValidationError, located: Located, model: type[BaseModel], name: str
) -> list[Problem]:
    problems = []
    for item in shaped(error.errors(include_url=False), located.data, model):
        path = _data_path(located.data, item["loc"])
        if item["type"] in ("union_tag_invalid", "literal_error") and isinstance(
            item.get("input"), dict
        ):
            path = (*path, "type")
        dotted = ".".join(str(p) for p in path) or "(document)"
        kind = item["type"]
        if kind == "extra_forbidden":
            unknown = str(path[-1])
            parent = _model_at(model, item["loc"][:-1])
            hint = ""
            if parent is not None:
                names = [f.alias or n for n, f in parent.model_fields.items()]
                close = difflib.get_close_matches(unknown, names, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; expected one of: {', '.join(names)}"
                )
            where = ".".join(str(p) for p in path[:-1]) or "the document"
            message = f"unknown field {unknown!r} in {where}{hint}"
            line, col = located.where(path, key=True)
        else:
            message = f"{dotted}: {_message(item)}"
            line, col = located.where(path)
        problems.append(Problem(name, line, col, message))
    return problems


def _message(item: Any) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    msg: str = item["msg"]
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown fault type {ctx.get('tag')!r}; expected one of: " + str(
            ctx.get("expected_tags", "")
        ).replace("'", "")
    if kind == "union_tag_not_found":
        return f"missing {ctx.get('discriminator', 'type')!s} field"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {item.get('input')!r}"
    msg = msg.removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else kind


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path_:
    """Drop pydantic's union tags from ``loc`` so that it indexes the document."""
    path: list[str | int] = []
    node = data
    for part in loc:
        indexable = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if (isinstance(node, dict) and part in node) or indexable:
            node = node[part]
            path.append(part)
        elif isinstance(node, dict | list):
            # a union tag (fault type), or a missing key: keep missing keys, skip tags
            if isinstance(node, dict) and "type" in node and part == node.get("type"):
                continue
            path.append(part)
            node = None
        else:
            break
    return tuple(path)


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for "did you mean")."""
    current: Any = root
    for part in loc:
        inside = container(current)
        if inside is not None:
            current = typing.get_args(inside)[-1]
            continue
        models = models_in(current)
        tagged = [
            m
            for m in models
            if "type" in m.model_fields
            and part in typing.get_args(m.model_fields["type"].annotation)
        ]
        if tagged:
            current = tagged[0]
            continue
        fields = {f.alias or n: f for m in models for n, f in m.model_fields.items()}
        if part not in fields:
            return None
        current = fields[str(part)].annotation
    models = models_in(current)
    return models[0] if len(models) == 1 else None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    return [p for p in problems if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def drill_cross_checks(data: Any, base: Path) -> list[tuple[Path_, str]]:
    """Checks across fields, run on the raw document so they add to the field errors."""
    out: list[tuple[Path_, str]] = []
    regions = data.get("regions")
    names = list(regions) if isinstance(regions, dict) else []
    if isinstance(regions, dict) and len(regions) < 2:
        out.append(
            (("regions",), f"a failover drill needs at least two regions, got {len(regions)}")
        )
    target = data.get("target")
    if isinstance(target, str) and names and target not in names:
        out.append(
            (("target",), f"target {target!r} is not one of the regions: {', '.join(names)}")
        )
    observe = data.get("observe")
    vantage = observe.get("vantagePoints") if isinstance(observe, dict) else None
    if isinstance(vantage, list):
        seen: set[str] = set()
        for i, vp in enumerate(vantage):
            if not isinstance(vp, dict):
                continue
            where: Path_ = ("observe", "vantagePoints", i)
            expect = vp.get("expectDuringOutage")
            if isinstance(expect, str) and names:
                if expect not in names:
                    out.append(
                        (
                            (*where, "expectDuringOutage"),
                            f"expectDuringOutage {expect!r} is not one of the regions: "
                            f"{', '.join(names)}",
                        )
                    )
                elif expect == target:
                    out.append(
                        (
                            (*where, "expectDuringOutage"),
                            f"expectDuringOutage {expect!r} is the target, which is down "
                            "during the outage; name a surviving region",
                        )
                    )
            name = vp.get("name")
            if isinstance(name, str):
                if name in seen:
                    out.append(((*where, "name"), f"vantage point {name!r} is named twice"))
                seen.add(name)
    env = data.get("environment")
    if isinstance(env, dict):
        chosen = [k for k in ("sandbox", "azure") if env.get(k) is not None]
        if len(chosen) != 1:
            out.append(
                (("environment",), "set exactly one of environment.sandbox and environment.azure")
            )
        sandbox = env.get("sandbox")
        if isinstance(sandbox, dict):
            out.extend(
                _exists(
                    base,
                    sandbox.get("world", "world.yaml"),
                    ("environment", "sandbox", "world"),
                    "world file",
                )
            )
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and metadata.get("runbook") is not None:
        out.extend(_exists(base, metadata["runbook"], ("metadata", "runbook"), "runbook"))
    http = observe.get("http") if isinstance(observe, dict) else None
    if isinstance(http, dict) and (http.get("path") is None) == (http.get("url") is None):
        out.append(
            (("observe", "http"), "set exactly one of observe.http.path and observe.http.url")
        )
    fault = data.get("fault")
    both = isinstance(fault, dict) and {"namespaces", "excludeNamespaces"} <= fault.keys()
    if both and fault["namespaces"] is not None:  # an exclusion would be silently ignored
        out.append((("fault", "excludeNamespaces"), "set fault.namespaces or "
                    "fault.excludeNamespaces, not both: with namespaces only those are drained, "
                    "so excludeNamespaces would be ignored"))  # fmt: skip
    out.extend(_data_checks(observe, data.get("objectives")))
    return out


def _data_checks(observe: Any, objectives: Any) -> list[tuple[Path_, str]]:
    """Canary names are unique; data objectives need a canary to measure them."""
    out: list[tuple[Path_, str]] = []
    canaries = observe.get("data") if isinstance(observe, dict) else None
    seen: set[str] = set()
    for i, canary in enumerate(canaries if isinstance(canaries, list) else []):
        name = canary.get("name") if isinstance(canary, dict) else None
        if isinstance(name, str):
            if name in seen:
                out.append((("observe", "data", i, "name"), f"canary {name!r} is named twice"))
            seen.add(name)
    if isinstance(objectives, dict) and not canaries:
        for key in ("rpo", "lostWrites"):
            if objectives.get(key) is not None:
                out.append(
                    (
                        ("objectives", key),
                        f"{key} is measured by replication canaries: add one to observe.data",
                    )
                )
    return out


def _exists(base: Path, value: Any, where: Path_, what: str) -> list[tuple[Path_, str]]:
    if not isinstance(value, str) or not value:
        return []
    full = (base / value).resolve()
    if not full.is_file():
        return [(where, f"{what} {value!r} does not exist (looked for {full})")]
    return []


_KIND = re.compile(r"(?m)^kind:[ \t]*[\"']?([A-Za-z]+)[\"']?[ \t]*(?:#.*)?$")
KINDS = ("Drill", "SandboxWorld")
"""The document kinds drillkit reads (``validate`` dispatches on them)."""


def document_kind(path: Path) -> str | None:
    """The top-level ``kind:`` of a YAML file, read from its first 4 KiB; None when absent."""
    try:
        with path.open("rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    match = _KIND.search(head)
    return match.group(1) if match else None


def drill_files(paths: tuple[Path, ...] | list[Path]) -> list[Path]:
    """Expand directories into the drillkit documents inside them (``kind: Drill`` and
    ``kind: SandboxWorld`` YAML files); files named directly are kept whatever they hold."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]):
                if document_kind(candidate) in KINDS:
                    found.append(candidate)
        else:
            found.append(path)
    return found
