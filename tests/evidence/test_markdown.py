"""Markdown evidence: structure, tables, the Mermaid timeline, template override, redaction."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.errors import DrillDefinitionError
from drillkit.evidence import check_template, render
from tests.core.timeline_factory import us_outage
from tests.evidence.reports import (
    RUN_ID,
    SHA,
    headings,
    make_report,
    mermaid_blocks,
    sandbox_drill,
    table_under,
)

SECTIONS = [
    "## Verdict",
    "## Objectives",
    "## Timeline",
    "## Metrics",
    "## RTO in its parts",
    "## Keeping the fault in force",
    "## Pods evicted and deleted",
    "## DNS per vantage point",
    "## Traffic Manager status transitions",
    "## Changes and their restore",
    "## Snapshot and restore check",
    "## Journal",
    "## Integrity",
    "## Controls this record supports",
]
_TASK = re.compile(
    r"^    (?P<name>[^:#;]+?) :(?P<tags>(?:(?:done|active|crit|milestone), )*)"
    r"(?P<id>[A-Za-z_][A-Za-z0-9_]*), (?P<start>\d+), (?P<end>\d+)$"
)


def check_gantt(source: str) -> list[dict[str, str]]:
    """Check a Mermaid gantt structurally and return its tasks; assertion errors name the line."""
    lines = source.splitlines()
    assert lines[0] == "gantt"
    assert "    dateFormat x" in lines
    tasks: list[dict[str, str]] = []
    ids: set[str] = set()
    section_sizes: list[int] = []
    for line in lines[1:]:
        if re.match(r"^    (title|axisFormat|dateFormat|todayMarker) \S", line):
            continue
        if line.startswith("    section "):
            section_sizes.append(0)
            continue
        match = _TASK.match(line)
        assert match, f"not a gantt statement: {line!r}"
        task = match.groupdict()
        assert task["id"] not in ids, f"duplicate task id in {line!r}"
        ids.add(task["id"])
        assert int(task["start"]) <= int(task["end"]), line
        if "milestone" in task["tags"]:
            assert task["start"] == task["end"], line
        assert section_sizes, "a task before any section"
        section_sizes[-1] += 1
        tasks.append(task)
    assert all(section_sizes), "an empty section"
    return tasks


def test_headings_in_order() -> None:
    """A passing run has the title with its verdict and every section, in order."""
    md = render(make_report(), "md")
    assert headings(md) == ["# Drill evidence: us-outage (PASS)", *SECTIONS]


def test_header_table_names_the_run() -> None:
    """The first table names run, drill file hash, tool version, who ran it and the fault."""
    md = render(make_report(), "md")
    fields = {r["Field"]: r["Value"] for r in table_under(md, headings(md)[0])}
    assert fields["Run"] == f"`{RUN_ID}`"
    assert fields["Drill file SHA-256"] == f"`{SHA}`"
    assert fields["Tool"] == "drillkit 0.1.0"
    assert fields["Run by"] == "sre@laptop"
    assert fields["Environment"] == "sandbox (time scale 0.1)"
    assert fields["Target"] == "us"
    assert fields["Survivors"] == "eu"
    assert fields["Fault"] == "drain all nodes (evictionTimeout: 5s, onBlocked: delete)"


def test_objectives_table_shows_measured_and_real() -> None:
    """Each objective row has its target, measured and real-world seconds, and held."""
    rows = table_under(render(make_report(), "md"), "## Objectives")
    assert rows == [
        {
            "Objective": "rto",
            "Target (real-world s)": "120.0",
            "Measured (s)": "3.885 ± 0.125",
            "Real-world equivalent (s)": "38.850 ± 1.250",
            "Held": "✅ held",
        },
        {
            "Objective": "failback",
            "Target (real-world s)": "120.0",
            "Measured (s)": "1.875 ± 0.125",
            "Real-world equivalent (s)": "18.750 ± 1.250",
            "Held": "✅ held",
        },
    ]


def test_missed_objective_is_marked_and_titled_fail() -> None:
    """A DNS failover that never happens fails the run and marks rto as never / missed."""
    md = render(make_report(us_outage(flip=None)), "md")
    assert headings(md)[0] == "# Drill evidence: us-outage (FAIL)"
    rto = table_under(md, "## Objectives")[0]
    assert (rto["Measured (s)"], rto["Held"]) == ("never", "❌ missed")
    assert "**FAIL** (exit code 1)" in md


def test_vantage_table_shows_flip_and_flip_plus_ttl() -> None:
    """Per vantage point: flip, flip + TTL and failback, measured and real-world."""
    rows = {
        r["Vantage point"]: r
        for r in table_under(render(make_report(), "md"), "## DNS per vantage point")
    }
    ny = rows["new-york"]
    assert (ny["Normal"], ny["During outage"]) == ("us", "eu")
    assert (ny["Flip (s)"], ny["Flip real (s)"]) == ("3.875 ± 0.125", "38.750 ± 1.250")
    assert ny["Flip + TTL (s)"] == "6.875 ± 0.125"
    assert (ny["Failback (s)"], ny["Failback real (s)"]) == ("1.875 ± 0.125", "18.750 ± 1.250")
    paris = rows["paris"]
    assert (paris["During outage"], paris["Flip (s)"]) == ("unaffected (stayed on eu)", "-")


def test_status_transitions_table() -> None:
    """The target endpoint's Online → Degraded → Online transitions are listed with offsets."""
    rows = table_under(render(make_report(), "md"), "## Traffic Manager status transitions")
    us = [(r["Since fault (s)"], r["From"], r["To"]) for r in rows if r["Region"] == "us"]
    assert us == [
        ("-2.000", "-", "Online"),
        ("+3.000", "Online", "Degraded"),
        ("+9.500", "Degraded", "Online"),
    ]


def test_restore_table_shows_drift() -> None:
    """A drifted snapshot item appears with snapshot and current values, and the title says so."""
    drift = RestoreCheck(
        "us/deploy/web replicas", "3", "5", RestoreOutcome.DRIFTED, "scaled by hand"
    )
    md = render(make_report(us_outage(checks=(drift,))), "md")
    assert headings(md)[0] == "# Drill evidence: us-outage (RESTORE-INCOMPLETE)"
    assert table_under(md, "## Snapshot and restore check") == [
        {
            "Item": "us/deploy/web replicas",
            "Snapshot": "3",
            "After restore": "5",
            "Result": "drifted",
            "Detail": "scaled by hand",
        }
    ]


def test_mermaid_gantt_is_structurally_valid() -> None:
    """The timeline block is a gantt whose every line is a valid statement, with the flips."""
    block = mermaid_blocks(render(make_report(), "md"))[0]
    tasks = check_gantt(block)
    names = [t["name"] for t in tasks]
    assert "Outage" in names
    assert "us Degraded" in names
    assert names.count("DNS on eu") == 1  # paris was on eu all along: no flip to show
    assert "unaffected (stayed on eu)" in names
    flip = next(t for t in tasks if t["name"] == "DNS on eu")
    assert int(flip["start"]) == 1_700_000_003_875


def test_mermaid_valid_when_aborted_before_injection() -> None:
    """A run stopped before the fault still renders a valid gantt, without vantage sections."""
    tl = replace(
        us_outage(abort_reason="SIGINT", checks=()),
        fault_injected_at=None,
        restore_started_at=None,
        restored_at=None,
    )
    md = render(make_report(tl), "md")
    (block,) = mermaid_blocks(md)
    assert [t["name"] for t in check_gantt(block)] == ["Baseline"]
    assert "Aborted: SIGINT" in md


def test_mermaid_labels_cannot_break_the_chart() -> None:
    """Colons, hashes and semicolons in a vantage name do not leak into gantt statements."""
    tl = us_outage()
    odd = replace(tl.vantage_points[0], name="ny: #1; edge")
    tl = replace(tl, vantage_points=(odd, tl.vantage_points[1]))
    block = mermaid_blocks(render(make_report(tl), "md"))[0]
    check_gantt(block)
    assert "    section ny 1 edge" in block


def test_pipes_in_free_text_keep_tables_intact() -> None:
    """A description with a pipe and a newline stays inside its one table cell."""
    drill = sandbox_drill(description="EU | absorbs\nNA traffic")
    md = render(make_report(drill=drill), "md")
    fields = {r["Field"]: r["Value"] for r in table_under(md, headings(md)[0])}
    assert fields["Drill"] == "us-outage: EU | absorbs NA traffic"


def test_secrets_never_reach_markdown() -> None:
    """Bearer tokens, JWTs and signed URL parameters in free text are redacted."""
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcmUifQ.c2lnbmF0dXJl"
    drill = sandbox_drill(description="use Authorization: Bearer s3cr3t-t0ken")
    check = RestoreCheck(
        "us/deploy/web replicas",
        "3",
        "3",
        RestoreOutcome.RESTORED,
        f"via https://x/?sig=abcd&a=1 {jwt}",
    )
    tl = us_outage(checks=(check,), abort_reason=f"token {jwt} expired")
    md = render(make_report(tl, drill), "md")
    for secret in ("s3cr3t-t0ken", jwt, "sig=abcd"):
        assert secret not in md
    assert "[redacted]" in md


def test_template_override(tmp_path: Path) -> None:
    """A --template file replaces the packaged template and sees the JSON document's keys."""
    template = tmp_path / "short.md.j2"
    template.write_text(
        "{{ runId }} {{ verdict.outcome }} "
        "{% for v in vantagePoints %}{{ v.name }}={{ v.dnsFailover | secs }} {% endfor %}\n",
        encoding="utf-8",
    )
    text = render(make_report(), "md", template=template)
    assert text == f"{RUN_ID} pass new-york=3.875 ± 0.125 paris=0.000 \n"


def test_broken_template_is_located(tmp_path: Path) -> None:
    """A template with a syntax error is refused before a run, naming its file and line."""
    template = tmp_path / "bad.md.j2"
    template.write_text("# ok\n{% for x in %}\n", encoding="utf-8")
    with pytest.raises(DrillDefinitionError) as caught:
        check_template(template)
    assert str(caught.value).startswith(f"{template}:2:1: evidence template error")


def test_template_with_unknown_key_is_refused(tmp_path: Path) -> None:
    """A template that uses a key the document lacks fails loudly instead of rendering blanks."""
    template = tmp_path / "typo.md.j2"
    template.write_text("{{ verdikt }}\n", encoding="utf-8")
    with pytest.raises(DrillDefinitionError, match="'verdikt' is undefined"):
        render(make_report(), "md", template=template)


def test_missing_template_is_refused(tmp_path: Path) -> None:
    """A --template path that does not exist is a usage error naming the path."""
    with pytest.raises(DrillDefinitionError, match="cannot read the evidence template"):
        check_template(tmp_path / "nope.j2")


def test_rto_parts_are_a_stacked_bar_per_vantage_point() -> None:
    """The second Mermaid block is a compact gantt (consecutive parts on one row) with a section
    per vantage point that moved and its parts in order, each with its uncertainty."""
    md = render(make_report(), "md")
    frontmatter, block = mermaid_blocks(md)[1].split("---\n", 2)[1:]
    assert frontmatter == "displayMode: compact\n"
    tasks = check_gantt(block)
    assert "    section new-york" in block and "section paris" not in block
    names = [t["name"] for t in tasks]
    assert names[0] == "fault to detection ±0.250"
    assert names[1].startswith("detection to first name server flip ±")
    detect, first = tasks[0], tasks[1]
    assert detect["end"] == first["start"]  # stacked: the next part starts where one ends
    rows = table_under(md, "## RTO in its parts")
    assert rows[0]["Vantage point"] == "new-york"
    assert rows[0]["fault → detection"] == "2.750 ± 0.250"
    assert [r["Vantage point"] for r in rows[1:]] == ["p50", "p95"]
