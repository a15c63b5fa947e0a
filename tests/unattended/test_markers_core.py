"""Markers (annotations and tags) round-trip the journal item and refuse to be misread."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillkit.core.markers import (
    ORIGINAL,
    RUN,
    Marker,
    MarkerError,
    cleared,
    marker_annotations,
    marker_tags,
    read_annotations,
    read_tags,
    tag_name,
)

NODE = Marker("20261130T2140Z-us-outage-1a2b3c", "us/node/us-node-1", "node", "us",
              {"name": "us-node-1"}, False, True)  # fmt: skip


def test_annotations_round_trip_and_clear() -> None:
    """What is written is read back as the same marker; the merge patch to clear sets both null."""
    values = marker_annotations(NODE)
    assert values[RUN] == NODE.run_id
    assert read_annotations({**values, "other": "x"}) == NODE
    assert read_annotations({"other": "x"}) is None
    assert cleared() == {RUN: None, ORIGINAL: None}


@pytest.mark.parametrize(
    "values",
    [{RUN: "r"}, {RUN: "r", ORIGINAL: "{"}, {RUN: "r", ORIGINAL: '{"v": 9}'},
     {RUN: "r", ORIGINAL: '{"v": 1, "what": "x"}'}],
)  # fmt: skip
def test_a_damaged_marker_is_an_error_not_a_guess(values: dict[str, str]) -> None:
    """A marker without its original, or with bad JSON or an unknown schema, raises."""
    with pytest.raises(MarkerError):
        read_annotations(values)


def test_endpoint_tags_are_valid_azure_tag_names() -> None:
    """Tag names avoid the characters Azure forbids (``/`` among them) and round-trip."""
    endpoint = Marker("run-1", "tm/myapp-na/us", "endpoint", "us",
                      {"profile": "myapp-na", "name": "us"}, "Enabled", "Disabled")  # fmt: skip
    values = marker_tags(endpoint)
    assert tag_name("tm/myapp-na/us") == "drillkit-tm:myapp-na:us"
    assert all(not set(name) & set("<>%&\\?/") for name in values)
    assert read_tags({**values, "env": "prod"}) == [endpoint]
    assert read_tags({"env": "prod"}) == []


@given(
    original=st.one_of(st.none(), st.booleans(), st.integers(0, 10_000), st.text(max_size=20)),
    name=st.text(min_size=1, max_size=30),
)
def test_any_item_round_trips(original: object, name: str) -> None:
    """Any scalar original value and any object name survive the annotation."""
    marker = Marker("r", f"us/x/{name}", "workload", "us", {"name": name}, original, 0)  # type: ignore[arg-type]
    assert read_annotations(marker_annotations(marker)) == marker
