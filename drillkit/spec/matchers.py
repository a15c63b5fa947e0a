"""Alertmanager label matchers (``name="value"``, ``!=``, ``=~``, ``!~``): parsed, matched, sent.

The syntax is Alertmanager's: a label name, an operator, and a value that is either double-quoted
(with ``\\"``, ``\\\\`` and ``\\n`` escapes) or bare. Regular expressions are anchored at both
ends, as Alertmanager anchors them. Several matchers in one list must all match (AND).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Operator = Literal["=", "!=", "=~", "!~"]
_MATCHER = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"""
    r"""(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^"\s,{}]*))\s*$"""
)
_UNESCAPE = {'"': '"', "\\": "\\", "n": "\n"}


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label matcher."""

    name: str
    op: Operator
    value: str

    @property
    def is_regex(self) -> bool:
        """``=~`` and ``!~`` compare against an anchored regular expression."""
        return self.op in ("=~", "!~")

    @property
    def is_equal(self) -> bool:
        """``=`` and ``=~`` select; ``!=`` and ``!~`` exclude."""
        return self.op in ("=", "=~")

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this matcher (a missing label is the empty string)."""
        actual = labels.get(self.name, "")
        if self.is_regex:
            hit = re.fullmatch(self.value, actual) is not None
        else:
            hit = actual == self.value
        return hit if self.is_equal else not hit

    def as_api(self) -> dict[str, object]:
        """The ``matcher`` object of Alertmanager's v2 API (silences)."""
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.is_regex,
            "isEqual": self.is_equal,
        }

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


def parse_matcher(text: str) -> Matcher:
    """One matcher from its text; ``ValueError`` says what is wrong with it."""
    found = _MATCHER.match(text)
    if found is None:
        raise ValueError(
            f'{text!r} is not a label matcher such as severity="critical" '
            "(a label name, one of = != =~ !~, and a value)"
        )
    quoted = found.group("quoted")
    if quoted is None:
        value = found.group("bare") or ""
    else:
        value = re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(0)), quoted)
    op: Operator = found.group("op")  # type: ignore[assignment]
    matcher = Matcher(found.group("name"), op, value)
    if matcher.is_regex:
        try:
            re.compile(value)
        except re.error as e:
            raise ValueError(f"{text!r}: {value!r} is not a regular expression ({e})") from None
    return matcher


def parse_matchers(texts: Iterable[str]) -> tuple[Matcher, ...]:
    """Every matcher of a list, in order."""
    return tuple(parse_matcher(t) for t in texts)


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether a label set satisfies every matcher (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)
