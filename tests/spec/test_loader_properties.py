"""Property tests: arbitrary input never raises anything but drillkit's own error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillkit.errors import DrillDefinitionError
from drillkit.spec.durations import Duration
from drillkit.spec.loader import load_drill
from tests.conftest import US_OUTAGE

_DIR = Path(tempfile.mkdtemp(prefix="drillkit-prop-"))
(_DIR / "world.yaml").write_text("# world\n", encoding="utf-8")

yaml_ish = st.text(
    alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#%@`,?\n\t $0123456789.\\/x\x00\u00e9")),
    max_size=200,
)


def _load(data: bytes) -> None:
    path = _DIR / "drill.yaml"
    path.write_bytes(data)
    try:
        load_drill(path, env={})
    except DrillDefinitionError as e:
        assert e.problems
        for problem in e.problems:
            assert problem.line >= 1
            assert problem.column >= 1
            assert problem.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_ish)
def test_arbitrary_text_raises_only_drill_definition_errors(text: str) -> None:
    """Any YAML-like text either loads or fails with located problems."""
    _load(text.encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_drill_definition_errors(data: bytes) -> None:
    """Any bytes either load or fail with located problems."""
    _load(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(US_OUTAGE.read_bytes())), st.binary(max_size=8))
def test_mutated_reference_drill_raises_only_drill_definition_errors(cut: int, junk: bytes) -> None:
    """The reference drill with bytes spliced in anywhere fails cleanly or still loads."""
    original = US_OUTAGE.read_bytes()
    _load(original[:cut] + junk + original[cut:])


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000), st.sampled_from(["ms", "s", "m", "h"])
        ),
        min_size=1,
        max_size=4,
    )
)
def test_duration_parse_sums_its_parts(parts: list[tuple[int, str]]) -> None:
    """A duration is the sum of its parts and remembers how it was written."""
    text = "".join(f"{n}{unit}" for n, unit in parts)
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    duration = Duration.parse(text)
    assert abs(float(duration) - sum(n * scale[u] for n, u in parts)) < 1e-6
    assert str(duration) == text
