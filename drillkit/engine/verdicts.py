"""What a journal that refused records does to a run's verdict: never a pass or a plain fail.

The run restored from the records in memory; the journal on disk lacks some of them, so the run
ends ABORTED (exit 4) when everything is back, and RESTORE_INCOMPLETE (exit 5) when not.
"""

from __future__ import annotations

import dataclasses

from drillkit.core.report import RunReport
from drillkit.core.verdict import Outcome
from drillkit.engine.journal import Journal


def journal_failure_note(journal: Journal) -> str:
    """One line naming what the journal on disk lacks."""
    kinds = ", ".join(f"{r.kind} (seq {r.seq})" for r in journal.unwritten[:8])
    more = f" and {len(journal.unwritten) - 8} more" if len(journal.unwritten) > 8 else ""
    return (
        f"the journal {journal.path} could not record {len(journal.unwritten)} record(s): "
        f"{kinds}{more} ({journal.failure}); restore worked from the records in memory"
    )


def journal_failure_verdict(report: RunReport, journal: Journal) -> RunReport:
    """The report, its verdict downgraded when the journal could not record everything."""
    if journal.durable:
        return report
    verdict = report.verdict
    note = journal_failure_note(journal)
    if verdict.outcome in (Outcome.PASS, Outcome.FAIL):
        verdict = dataclasses.replace(
            verdict,
            outcome=Outcome.ABORTED,
            reason=f"Aborted: {note}; the world was restored.",
        )
    else:
        verdict = dataclasses.replace(verdict, reason=f"{verdict.reason} Also: {note}.")
    return dataclasses.replace(report, verdict=verdict)
