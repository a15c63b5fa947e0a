"""The Markdown evidence maps itself to controls, citing real clauses, and says how to verify it.

Sources of the clauses: AICPA, 2017 Trust Services Criteria, A1.3 ("The entity tests recovery
plan procedures supporting system recovery to meet its objectives."); ISO 22301:2019, clause 8.5
Exercise programme and 7.5.3 Control of documented information; Regulation (EU) 2022/2554 (DORA),
Article 11(6), and Commission Delegated Regulation (EU) 2024/1774, Article 25(2)(c) ("contain
scenarios of switchover from primary ICT infrastructure to the redundant capacity").
"""

from __future__ import annotations

from drillkit.evidence import render
from tests.evidence.reports import RUN_ID, make_report, table_under


def test_controls_table_cites_each_framework_clause():
    """The controls table cites ISO 22301 8.5 and 7.5.3, SOC 2 A1.3 and DORA Art. 11(6)."""
    rows = table_under(render(make_report(), "md"), "## Controls this record supports")
    cited = {(r["Framework"], r["Clause"]) for r in rows}
    assert ("ISO 22301:2019", "8.5 Exercise programme") in cited
    assert ("ISO 22301:2019", "7.5.3 Control of documented information") in cited
    assert ("SOC 2 (AICPA Trust Services Criteria 2017)", "A1.3") in cited
    assert ("DORA, Regulation (EU) 2022/2554", "Art. 11(6), point (a)") in cited
    switchover = next(r for r in rows if "2024/1774" in r["Clause"])
    assert "region us" in switchover["What this record shows"]
    assert "(eu)" in switchover["What this record shows"]


def test_integrity_section_gives_the_plain_openssh_command():
    """The record tells an auditor how to check its signature with ssh-keygen and no drillkit."""
    md = render(make_report(), "md")
    assert (
        f"ssh-keygen -Y verify -n evidence@drillkit -f allowed_signers -I SIGNER "
        f"-s {RUN_ID}.json.sig < {RUN_ID}.json"
    ) in md


def test_vantage_that_never_changed_region_is_unaffected_in_the_gantt():
    """A vantage point normally on eu, expected on eu, shows "unaffected (stayed on eu)", no bar."""
    from dataclasses import replace

    from tests.core.timeline_factory import us_outage
    from tests.evidence.reports import mermaid_blocks

    timeline = us_outage()
    paris = replace(timeline.vantage_points[1], normal_region="eu", expected_region="eu")
    timeline = replace(timeline, vantage_points=(timeline.vantage_points[0], paris))
    gantt = mermaid_blocks(render(make_report(timeline), "md"))[0]
    section = gantt.split(f"    section {paris.name}\n", 1)[1].split("    section", 1)[0]
    assert section.splitlines()[0].startswith("    unaffected (stayed on eu) :t")
    assert "to eu" not in section and "DNS on" not in section and "back to" not in section
