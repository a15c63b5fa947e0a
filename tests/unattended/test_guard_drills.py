"""Guard rails on whole sandbox drills, against a real Alertmanager, a real Pushgateway and a
local webhook receiver: refuse during an incident, hold a silence, abort on an unexpected alert,
the time window and its journalled override, notices and metrics at the end."""

from __future__ import annotations

import json
import math
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from drillkit.adapters.alertmanager import AlertmanagerClient
from drillkit.cli.main import cli
from drillkit.engine import guards
from drillkit.engine.faults.silence import created_by
from drillkit.engine.records import Intent, Mark, read_journal
from drillkit.evidence.catalog import evidence_json_files
from drillkit.spec.matchers import parse_matchers
from tests.e2e.conftest import Twin, journal_of
from tests.polling import poll
from tests.unattended.receiver import Receiver
from tests.unattended.servers import post_alert, read_text

pytestmark = pytest.mark.slow


def _args(twin: Twin, drill: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "run", str(drill), "--yes", "--attach", str(twin.state_dir),
        "--runs-dir", str(tmp_path / "runs"), "--evidence-dir", str(tmp_path / "evidence"),
        *extra,
    ]  # fmt: skip


def _records(tmp_path: Path) -> list[Any]:
    path = journal_of(tmp_path / "runs")
    assert path is not None
    return read_journal(path)


@pytest.fixture
def tag() -> str:
    """A label value unique to the test, so that alerts of other tests never match."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def fast_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guards, "ABORT_POLL_S", 0.2)


def test_a_firing_alert_refuses_the_drill_and_nothing_changes(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path,
    alertmanager_url: str, tag: str,
) -> None:  # fmt: skip
    """A critical alert matching refuseIfFiring: exit 3 naming the alert, no silence, no change
    to the world (a real incident is running)."""
    post_alert(alertmanager_url, {"alertname": "DatabaseDown", "severity": "critical",
                                  "team": tag})  # fmt: skip
    before = healthy_twin.state()
    drill = drill_file(guards={"alertmanager": {
        "url": alertmanager_url, "refuseIfFiring": ['severity="critical"', f'team="{tag}"'],
        "silence": {"matchers": [f'team="{tag}"']},
    }})  # fmt: skip
    result = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path))
    assert result.exit_code == 3, result.output
    assert f'DatabaseDown{{severity="critical",team="{tag}"}}' in result.output
    assert "nothing was changed" in result.output.lower()
    assert healthy_twin.state() == before
    run_id = _records(tmp_path)[0].run_id
    client = AlertmanagerClient(alertmanager_url)
    try:
        assert client.silences_by(created_by(run_id)) == []
    finally:
        client.close()


@pytest.mark.usefixtures("fast_watch")
def test_the_silence_is_journalled_held_and_expired(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path,
    alertmanager_url: str, tag: str,
) -> None:  # fmt: skip
    """The silence is journalled as a created item before it exists, holds the expected alert
    (so abortIfFiring ignores it), and is expired by restore; the drill passes."""
    expected = {"alertname": "StorefrontUSDown", "severity": "critical", "team": tag}
    post_alert(alertmanager_url, expected)
    drill = drill_file(guards={"alertmanager": {
        "url": alertmanager_url,
        "abortIfFiring": ['severity="critical"', f'team="{tag}"'],
        "silence": {"matchers": ['alertname="StorefrontUSDown"', f'team="{tag}"'],
                    "comment": "game day"},
    }})  # fmt: skip
    client = AlertmanagerClient(alertmanager_url)
    seen: dict[str, Any] = {}

    def spy() -> None:
        def held() -> bool:
            path = journal_of(tmp_path / "runs")
            if path is None:
                return False
            records = read_journal(path)
            if not any(isinstance(r, Mark) and r.name == "fault_injected" for r in records):
                return False
            seen["ids"] = client.silences_by(created_by(records[0].run_id))
            seen["firing"] = client.firing(parse_matchers([f'team="{tag}"']),
                                           include_silenced=True)  # fmt: skip
            return True

        poll(held, 60, 0.05)

    watcher = threading.Thread(target=spy)
    watcher.start()
    try:
        result = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path))
        watcher.join(70)
        assert result.exit_code == 0, result.output
        assert len(seen["ids"]) == 1
        assert [a.state for a in seen["firing"]] == ["suppressed"]
        records = _records(tmp_path)
        intents = [r for r in records if isinstance(r, Intent) and r.action == "create silence"]
        assert [i.item for i in intents] == ["alertmanager/silence"]
        assert client.state(seen["ids"][0]) == "expired"
        document = json.loads(
            next(p for p in evidence_json_files(tmp_path / "evidence")).read_text()
        )
        checks = {c["what"]: c["outcome"] for c in document["restoreChecks"]}
        assert checks["alertmanager/silence"] == "restored"
    finally:
        client.close()


@pytest.mark.usefixtures("fast_watch")
def test_an_unexpected_alert_aborts_and_restores(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path,
    alertmanager_url: str, tag: str,
) -> None:  # fmt: skip
    """An alert matching abortIfFiring that is not silenced, firing mid-drill: exit 4, the
    world put back, the reason names the alert."""
    before = healthy_twin.state()
    drill = drill_file(guards={"alertmanager": {
        "url": alertmanager_url, "abortIfFiring": [f'team="{tag}"'],
    }})  # fmt: skip

    def fire_when_injected() -> None:
        def injected() -> bool:
            path = journal_of(tmp_path / "runs")
            return path is not None and any(
                isinstance(r, Mark) and r.name == "fault_injected" for r in read_journal(path)
            )

        poll(injected, 60, 0.02)
        post_alert(alertmanager_url, {"alertname": "PaymentsDown", "team": tag})

    thread = threading.Thread(target=fire_when_injected)
    thread.start()
    result = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path, "--output", "json"))
    thread.join(70)
    assert result.exit_code == 4, result.output
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "aborted" and doc["restored"] is True
    assert "PaymentsDown" in doc["reason"]
    poll(healthy_twin.healthy, 30, 0.1)
    assert healthy_twin.state() == before


def test_the_window_refuses_and_an_override_is_journalled_in_the_evidence(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path,
) -> None:  # fmt: skip
    """Outside guards.window: exit 3 naming the window; with --override-window --reason the
    drill runs and the evidence shows the override and its reason."""
    closed = {"window": {"timezone": "UTC", "hours": "00:00-00:01",
                         "blackout": ["2000-01-01/2099-12-31"]}}  # fmt: skip
    drill = drill_file(guards=closed)
    refused = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path / "a"))
    assert refused.exit_code == 3, refused.output
    assert "outside the drill window" in refused.output
    assert "blackout 2000-01-01/2099-12-31" in refused.output
    done = CliRunner().invoke(
        cli,
        _args(
            healthy_twin,
            drill,
            tmp_path / "b",
            "--override-window",
            "--reason",
            "validate hotfix 42",
        ),
    )
    assert done.exit_code == 0, done.output
    evidence = tmp_path / "b" / "evidence"
    markdown = next(p for p in evidence.glob("*.md") if p.name != "README.md").read_text()
    assert "Guard rail, window:" in markdown and "overridden: validate hotfix 42" in markdown
    document = json.loads(evidence_json_files(evidence)[0].read_text())
    assert any("validate hotfix 42" in n for n in document["guardNotes"])
    usage = CliRunner().invoke(cli, _args(healthy_twin, drill, tmp_path / "c",
                                          "--override-window"))  # fmt: skip
    assert usage.exit_code == 2


def test_notices_and_metrics_at_the_end_of_a_run(
    healthy_twin: Twin, drill_file: Callable[..., Path], tmp_path: Path, pushgateway_url: str,
) -> None:  # fmt: skip
    """Start and end notices (generic JSON and Slack) reach the receiver with the verdict and
    the evidence link; a dead webhook does not fail the drill; the Pushgateway has the run,
    with the RTO's parts of the vantage point that moved as the JSON evidence has them."""
    with Receiver() as receiver:
        drill = drill_file(
            notify={"webhooks": [
                {"url": receiver.url("/generic"), "format": "json"},
                {"url": receiver.url("/slack"), "format": "slack"},
                {"url": "http://127.0.0.1:9/dead", "format": "teams"},
            ]},
            export={"pushgateway": {"url": pushgateway_url, "job": "drillkit"}},
        )  # fmt: skip
        result = CliRunner().invoke(
            cli, _args(healthy_twin, drill, tmp_path, "--evidence-url", "https://ci.test/run/7")
        )
        assert result.exit_code == 0, result.output
        generic = [body for path, body in receiver.received if path == "/generic"]
    assert [b["phase"] for b in generic] == ["start", "end"]
    assert generic[1]["outcome"] == "pass"
    assert generic[1]["evidence_url"] == "https://ci.test/run/7"
    metrics = read_text(f"{pushgateway_url}/metrics")
    assert (
        'drillkit_verdict{drill="us-outage",instance="",job="drillkit",outcome="pass",'
        'target="us"} 1' in metrics
    )
    assert "drillkit_rto_seconds{" in metrics
    document = json.loads(next(p for p in evidence_json_files(tmp_path / "evidence")).read_text())
    [moved] = document["rtoParts"]["vantagePoints"]
    pushed = {
        s.labels["part"]: s.value
        for family in text_string_to_metric_families(metrics)
        for s in family.samples
        if s.name == "drillkit_rto_part_seconds"
        and (s.labels["drill"], s.labels["vantage"]) == ("us-outage", moved["name"])
    }
    assert set(pushed) == set(document["rtoParts"]["order"])
    for part, value in pushed.items():
        if moved[part] is None:
            assert math.isnan(value), part
        else:
            assert value == pytest.approx(moved[part]["realS"], abs=1e-3), part
