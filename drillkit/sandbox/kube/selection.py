"""Label selectors (string and LabelSelector forms) and the field selectors the twin supports."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drillkit.sandbox.kube.status import bad_request

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*({_NAME})\s+(in|notin)\s+\(([^()]*)\)\s*$")
_EQ = re.compile(rf"^\s*({_NAME})\s*(==|=|!=)\s*({_VALUE})\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_NAME})\s*$")
_VALUE_RE = re.compile(rf"^{_VALUE}$")


@dataclass(frozen=True)
class Requirement:
    """One clause: key op values (op in =, !=, in, notin, exists, !)."""

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!":
            return self.key not in labels
        if self.op in ("=", "in"):
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values  # != and notin


Selector = tuple[Requirement, ...]


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def parse_label_selector(text: str) -> Selector:
    """Parse ``app=web,tier in (a,b),!legacy``; 400 BadRequest when malformed."""
    if not text.strip():
        return ()
    reqs = []
    for part in _split(text):
        if m := _SET.match(part):
            values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
            if not values or not all(_VALUE_RE.match(v) for v in values):
                raise bad_request(
                    f"unable to parse requirement: invalid values in {part.strip()!r}"
                )
            reqs.append(Requirement(m.group(1), "in" if m.group(3) == "in" else "notin", values))
        elif m := _EQ.match(part):
            op = "!=" if m.group(3) == "!=" else "="
            reqs.append(Requirement(m.group(1), op, frozenset([m.group(4)])))
        elif m := _EXISTS.match(part):
            reqs.append(Requirement(m.group(2), "!" if m.group(1) else "exists"))
        else:
            raise bad_request(
                f"unable to parse requirement: found '{part.strip()}', expected: "
                "identifier, '=', '!=', 'in', 'notin'"
            )
    return tuple(reqs)


def selector_from_object(sel: Mapping[str, Any] | None) -> Selector | None:
    """A ``LabelSelector`` object as requirements; None (matches nothing) when absent."""
    if sel is None:
        return None
    reqs = [Requirement(k, "=", frozenset([v])) for k, v in (sel.get("matchLabels") or {}).items()]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in sel.get("matchExpressions") or []:
        op = ops.get(expr.get("operator", ""))
        if op is None:
            continue
        reqs.append(Requirement(expr["key"], op, frozenset(expr.get("values") or [])))
    return tuple(reqs)


def matches(selector: Selector | None, labels: Mapping[str, str] | None) -> bool:
    """True when every requirement holds; a None selector matches nothing."""
    if selector is None:
        return False
    labels = labels or {}
    return all(req.matches(labels) for req in selector)


def selector_string(sel: Mapping[str, Any] | None) -> str:
    """``matchLabels`` rendered as ``a=b,c=d`` (Scale status.selector)."""
    parts = [f"{k}={v}" for k, v in sorted(((sel or {}).get("matchLabels") or {}).items())]
    for expr in (sel or {}).get("matchExpressions") or []:
        op, key = expr.get("operator"), expr.get("key")
        vals = ",".join(sorted(expr.get("values") or []))
        parts.append(
            {
                "In": f"{key} in ({vals})",
                "NotIn": f"{key} notin ({vals})",
                "Exists": f"{key}",
                "DoesNotExist": f"!{key}",
            }.get(op, "")
        )
    return ",".join(p for p in parts if p)


_FIELDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "metadata.name": lambda o: o["metadata"].get("name", ""),
    "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName", ""),
    "status.phase": lambda o: (o.get("status") or {}).get("phase", ""),
    "spec.unschedulable": lambda o: str(bool((o.get("spec") or {}).get("unschedulable"))).lower(),
}
_POD_ONLY = {"spec.nodeName", "status.phase"}


def parse_field_selector(text: str, plural: str) -> Callable[[dict[str, Any]], bool]:
    """Compile ``spec.nodeName=x,metadata.name!=y``; 400 for unsupported fields."""
    checks: list[tuple[Callable[[dict[str, Any]], str], bool, str]] = []
    for part in (p for p in text.split(",") if p.strip()):
        m = re.match(r"^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        name, op, value = m.groups()
        allowed = name in _FIELDS and (plural == "pods" or name not in _POD_ONLY)
        if name == "spec.unschedulable" and plural != "nodes":
            allowed = False
        if not allowed:
            raise bad_request(f"field label not supported: {name}")
        checks.append((_FIELDS[name], op == "!=", value))

    def accept(obj: dict[str, Any]) -> bool:
        return all((get(obj) == value) != negate for get, negate, value in checks)

    return accept
