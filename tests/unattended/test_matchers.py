"""Alertmanager matcher parsing: the four operators, quoting, anchoring, and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillkit.spec.matchers import Matcher, all_match, parse_matcher


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('severity="critical"', Matcher("severity", "=", "critical")),
        ("severity=critical", Matcher("severity", "=", "critical")),
        ('alertname!="StorefrontEastUSDown"', Matcher("alertname", "!=", "StorefrontEastUSDown")),
        ('job=~"api|web"', Matcher("job", "=~", "api|web")),
        (' team !~ "db.*" ', Matcher("team", "!~", "db.*")),
        (r'msg="say \"hi\"\n"', Matcher("msg", "=", 'say "hi"\n')),
        ('region=""', Matcher("region", "=", "")),
    ],
)
def test_parses_the_alertmanager_syntax(text: str, expected: Matcher) -> None:
    """Each operator of https://prometheus.io/docs/alerting/latest/configuration/#matcher
    ("=", "!=", "=~", "!~"), quoted or bare values, and escapes parse to the same matcher."""
    assert parse_matcher(text) == expected


@pytest.mark.parametrize("text", ["severity", '="x"', "1abc=x", 'a=="x"', 'a=~"("', 'a="x'])
def test_rejects_what_is_not_a_matcher(text: str) -> None:
    """A missing operator, a bad label name, an unclosed quote or a bad regex is refused."""
    with pytest.raises(ValueError, match="not a"):
        parse_matcher(text)


def test_regex_is_anchored_and_a_missing_label_is_empty() -> None:
    """``=~"crit"`` does not match "critical" (Alertmanager anchors regexes), and ``!=`` matches
    an alert without that label."""
    labels = {"alertname": "X", "severity": "critical"}
    assert not parse_matcher('severity=~"crit"').matches(labels)
    assert parse_matcher('severity=~"crit.*"').matches(labels)
    assert parse_matcher('region!="eastus"').matches(labels)
    critical = parse_matcher('severity="critical"')
    assert all_match([critical, parse_matcher("alertname!=Y")], labels)
    assert not all_match([critical, parse_matcher("alertname=Y")], labels)


@given(
    name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
    op=st.sampled_from(["=", "!="]),
    value=st.text(max_size=20),
)
def test_printing_then_parsing_gives_the_same_matcher(name: str, op: str, value: str) -> None:
    """``str(matcher)`` (what is sent as an API filter) parses back to the same matcher."""
    matcher = Matcher(name, op, value)  # type: ignore[arg-type]
    assert parse_matcher(str(matcher)) == matcher
