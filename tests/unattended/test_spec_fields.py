"""The fields guards, notify and export of DRILL-FORMAT.md load; bad values are located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from drillkit.errors import DrillDefinitionError
from drillkit.spec.loader import load_drill

BLOCK = """
guards:
  window:
    timezone: Europe/Paris
    days: [Tue, Wed, Thu]
    hours: "10:00-16:00"
    blackout: ["2026-12-21/2027-01-04"]
  alertmanager:
    url: http://alertmanager.monitoring:9093
    refuseIfFiring: ['severity="critical"']
    abortIfFiring: ['severity="critical"', 'alertname!="StorefrontEastUSDown"']
    silence: {matchers: ['alertname="StorefrontEastUSDown"'], comment: "game day"}
notify:
  webhooks: [{url: "${TEAMS_WEBHOOK_URL}", format: teams}]
export:
  pushgateway: {url: http://pushgateway.monitoring:9091, job: drillkit}
"""


def test_the_reference_block_loads(write_drill: Callable[..., Path], us_outage_text: str) -> None:
    """The guards/notify/export block of DRILL-FORMAT.md validates as written."""
    drill = load_drill(
        write_drill(us_outage_text + BLOCK), env={"TEAMS_WEBHOOK_URL": "https://x.test/hook"}
    )
    assert drill.guards.window is not None and drill.guards.window.days == ["Tue", "Wed", "Thu"]
    assert drill.guards.alertmanager is not None
    assert drill.guards.alertmanager.abort_if_firing[1] == 'alertname!="StorefrontEastUSDown"'
    assert drill.notify.webhooks[0].format == "teams"
    assert drill.export.pushgateway is not None and drill.export.pushgateway.job == "drillkit"


def test_drills_without_the_block_are_unchanged(
    write_drill: Callable[..., Path], us_outage_text: str
) -> None:
    """The fields are optional: a round 1 drill has no guards, no webhooks and no export."""
    drill = load_drill(write_drill(us_outage_text))
    assert drill.guards.window is None and drill.guards.alertmanager is None
    assert drill.notify.webhooks == [] and drill.export.pushgateway is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Europe/Paris", "Europe/Atlantis", "not an IANA time zone"),
        ('"10:00-16:00"', '"16:00-10:00"', "must come after its start"),
        ("2026-12-21/2027-01-04", "2027-01-04/2026-12-21", "ends before it starts"),
        (
            "refuseIfFiring: ['severity=\"critical\"']",
            "refuseIfFiring: ['severity']",
            "not a label matcher",
        ),
        ("format: teams", "format: discord", "format"),
    ],
)
def test_bad_values_are_located(
    write_drill: Callable[..., Path], us_outage_text: str, old: str, new: str, message: str
) -> None:
    """Each bad guard value is reported at its line with what is wrong."""
    text = us_outage_text + BLOCK.replace(old, new)
    with pytest.raises(DrillDefinitionError) as caught:
        load_drill(write_drill(text), env={"TEAMS_WEBHOOK_URL": "https://x.test/hook"})
    assert message in str(caught.value)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if new.split(":", maxsplit=1)[0] in t)
    assert any(p.line == line for p in caught.value.problems), caught.value.problems
