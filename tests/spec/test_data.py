"""observe.data canaries and the rpo / lostWrites objectives: accepted as documented, refused
with located messages otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from drillkit.spec.loader import load_drill
from drillkit.spec.schema import drill_schema
from tests.conftest import DRILLS
from tests.spec.test_bad_input import line_of, only, problems_of

WriteDrill = Callable[..., Path]
DATA_DRILL = DRILLS / "sandbox" / "us-outage-data.yaml"
FORMAT_CANARY = (  # as written in DRILL-FORMAT.md
    "  data:\n"
    "    - name: orders\n"
    "      every: 500ms\n"
    '      write: {method: PUT, url: "https://eastus.storefront.example.com/canary/{id}", '
    """body: '{"ts": "{ts}"}', ok: [200, 201]}\n"""
    '      read: {method: GET, url: "https://westeurope.storefront.example.com/canary/{id}", '
    "ok: [200]}\n"
)


def with_canary(us_outage_text: str, canary: str = FORMAT_CANARY, objectives: str = "") -> str:
    text = us_outage_text.replace("  http:\n    path: /healthz\n",
                                  "  http:\n    path: /healthz\n" + canary)  # fmt: skip
    return text.replace("  failback: 120s\n", "  failback: 120s\n" + objectives)


def test_the_drill_format_canary_loads(write_drill: WriteDrill, us_outage_text: str) -> None:
    """The canary of DRILL-FORMAT.md, field for field, loads with its objectives."""
    text = with_canary(us_outage_text, objectives="  rpo: 5s\n  lostWrites: 0\n")
    drill = load_drill(write_drill(text), env={})
    [canary] = drill.observe.data
    assert (canary.name, float(canary.every)) == ("orders", 0.5)
    assert canary.write.method == "PUT" and canary.write.ok == [200, 201]
    assert canary.write.body == '{"ts": "{ts}"}'
    assert canary.read.url.endswith("/canary/{id}") and canary.read.ok == [200]
    assert (float(drill.objectives.rpo or -1), drill.objectives.lost_writes) == (5.0, 0)


def test_the_shipped_data_drill_loads() -> None:
    """drills/sandbox/us-outage-data.yaml validates and sets both data objectives."""
    drill = load_drill(DATA_DRILL, env={})
    assert [c.name for c in drill.observe.data] == ["orders"]
    assert drill.objectives.lost_writes == 0 and drill.objectives.rpo is not None


def test_an_unknown_placeholder_is_located(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A {word} other than {id} and {ts} is refused at the body's line."""
    text = with_canary(us_outage_text, FORMAT_CANARY.replace('"{ts}"', '"{time}"'))
    problem = only(problems_of(write_drill(text)))
    assert "unknown placeholder {time}: use {id} and {ts}" in problem.message
    assert problem.line == line_of(text, "{time}")


def test_a_read_without_id_is_refused(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A read URL without {id} cannot ask for one write: refused at the read's line."""
    text = with_canary(
        us_outage_text,
        FORMAT_CANARY.replace(
            "westeurope.storefront.example.com/canary/{id}",
            "westeurope.storefront.example.com/canary",
        ),
    )
    problem = only(problems_of(write_drill(text)))
    assert "the read url must carry {id}" in problem.message
    assert problem.line == line_of(text, "read:")


def test_bad_status_codes_and_cadence_are_refused(
    write_drill: WriteDrill, us_outage_text: str
) -> None:
    """A status code outside 100-599 and an `every` under 10 ms are each named."""
    canary = FORMAT_CANARY.replace("ok: [200, 201]", "ok: [200, 2010]").replace("500ms", "1ms")
    messages = [p.message for p in problems_of(write_drill(with_canary(us_outage_text, canary)))]
    assert any("2010 is not an HTTP status code" in m for m in messages), messages
    assert any("every 1ms is too short" in m for m in messages), messages


def test_canary_names_are_unique(write_drill: WriteDrill, us_outage_text: str) -> None:
    """Two canaries with one name are refused at the second name."""
    second = FORMAT_CANARY.replace("  data:\n", "")
    text = with_canary(us_outage_text, FORMAT_CANARY + second)
    problem = only(problems_of(write_drill(text)))
    assert problem.message == "canary 'orders' is named twice"
    lines = [i for i, line in enumerate(text.splitlines(), 1) if "name: orders" in line]
    assert problem.line == lines[1]


def test_data_objectives_need_a_canary(write_drill: WriteDrill, us_outage_text: str) -> None:
    """rpo and lostWrites without observe.data are refused, each at its own key."""
    text = with_canary(us_outage_text, "", "  rpo: 5s\n  lostWrites: 0\n")
    messages = {(p.line, p.message) for p in problems_of(write_drill(text))}
    assert messages == {
        (line_of(text, "rpo:"), "rpo is measured by replication canaries: add one to observe.data"),
        (line_of(text, "lostWrites:"),
         "lostWrites is measured by replication canaries: add one to observe.data"),
    }  # fmt: skip


def test_a_negative_lost_writes_objective_is_refused(
    write_drill: WriteDrill, us_outage_text: str
) -> None:
    """lostWrites counts writes: a negative number is refused at its line."""
    text = with_canary(us_outage_text, objectives="  lostWrites: -1\n")
    problem = only(problems_of(write_drill(text)))
    assert problem.line == line_of(text, "lostWrites")
    assert "greater than or equal to 0" in problem.message


def test_the_schema_publishes_canaries_and_data_objectives() -> None:
    """`drillkit schema` carries observe.data and the rpo / lostWrites objectives."""
    schema = drill_schema()
    defs = schema["$defs"]
    assert "data" in defs["Observe"]["properties"]
    assert {"rpo", "lostWrites"} <= set(defs["Objectives"]["properties"])
    assert set(defs["Canary"]["required"]) == {"name", "every"}
    assert {"write", "read", "cosmos"} <= set(defs["Canary"]["properties"])
    assert set(defs["CanaryWrite"]["properties"]) == {"method", "url", "body", "ok"}
    assert set(defs["CosmosCanary"]["properties"]) == {
        "endpoint", "database", "container", "partitionKey", "writeLocation", "readLocation",
    }  # fmt: skip


COSMOS_CANARY = (
    "  data:\n"
    "    - name: orders-db\n"
    "      every: 500ms\n"
    "      cosmos:\n"
    "        endpoint: https://storefront-db.documents.azure.com:443/\n"
    "        database: drillkit\n"
    "        container: canary\n"
    "        writeLocation: East US\n"
    "        readLocation: West Europe\n"
)


def test_a_cosmos_canary_loads(write_drill: WriteDrill, us_outage_text: str) -> None:
    """observe.data[].cosmos loads with the partition key path defaulting to /id."""
    drill = load_drill(write_drill(with_canary(us_outage_text, COSMOS_CANARY)), env={})
    [canary] = drill.observe.data
    assert canary.write is None and canary.read is None and canary.cosmos is not None
    assert (canary.cosmos.write_location, canary.cosmos.read_location) == (
        "East US", "West Europe",
    )  # fmt: skip
    assert canary.cosmos.partition_key == "/id"


def test_a_canary_is_http_or_cosmos_not_both(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A canary with both write/read and cosmos is refused, and so is one with neither."""
    both = FORMAT_CANARY + COSMOS_CANARY.replace(
        "  data:\n    - name: orders-db\n      every: 500ms\n", ""
    )
    messages = [p.message for p in problems_of(write_drill(with_canary(us_outage_text, both)))]
    assert any("either write and read, or cosmos, not both" in m for m in messages), messages
    neither = "  data:\n    - name: orders\n      every: 500ms\n"
    messages = [p.message for p in problems_of(write_drill(with_canary(us_outage_text, neither)))]
    assert any("needs both write and read (or cosmos)" in m for m in messages), messages


def test_a_cosmos_canary_reads_and_writes_in_two_locations(
    write_drill: WriteDrill, us_outage_text: str
) -> None:
    """The same location for writes and reads measures no replication: refused; so is an
    endpoint that is not https."""
    same = COSMOS_CANARY.replace("readLocation: West Europe", "readLocation: east us")
    messages = [p.message for p in problems_of(write_drill(with_canary(us_outage_text, same)))]
    assert any("writeLocation and readLocation must differ" in m for m in messages), messages
    plain = COSMOS_CANARY.replace("https://storefront-db", "http://storefront-db")
    messages = [p.message for p in problems_of(write_drill(with_canary(us_outage_text, plain)))]
    assert any("is not an account endpoint" in m for m in messages), messages
