"""JSON evidence: the same data as the Markdown, with stable camelCase keys."""

from __future__ import annotations

import json
import re
from typing import Any

from drillkit.core.timeline import RestoreCheck, RestoreOutcome
from drillkit.evidence import render
from tests.core.timeline_factory import T0, us_outage
from tests.evidence.reports import RUN_ID, SHA, make_report

TOP_KEYS = [
    "schemaVersion",
    "runId",
    "drill",
    "toolVersion",
    "runBy",
    "environment",
    "startedAtUtc",
    "endedAtUtc",
    "target",
    "survivors",
    "fault",
    "timeScale",
    "dnsTtlS",
    "verdict",
    "objectives",
    "phases",
    "metrics",
    "vantagePoints",
    "statusTransitions",
    "restoreChecks",
    "data",
    "disruptions",
    "lostPods",
    "held",
    "reverts",
    "rtoContested",
    "changes",
    "abortReason",
    "abortPhase",
    "signal",
    "diedDuring",
    "laterRestores",
    "journalPaths",
    "prediction",
    "predictedVsMeasured",
    "detection",
    "rtoBracket",
    "rtoParts",
    "guardNotes",
    "human",
]


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in [k, *_keys(v)]]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []


def test_top_level_keys_are_stable() -> None:
    """The document's top-level keys and their order do not change from run to run."""
    assert list(json.loads(render(make_report(), "json"))) == TOP_KEYS


def test_every_key_is_camel_case() -> None:
    """Every key at every depth is camelCase."""
    keys = _keys(json.loads(render(make_report(), "json")))
    assert keys
    assert [k for k in keys if not re.fullmatch(r"[a-z][a-zA-Z0-9]*", k)] == []


def test_run_identity_and_verdict() -> None:
    """Run id, drill hash, who ran it and the verdict are in the document."""
    doc = json.loads(render(make_report(), "json"))
    assert (doc["runId"], doc["drill"]["sha256"], doc["runBy"]) == (RUN_ID, SHA, "sre@laptop")
    assert doc["drill"]["owner"] == "sre-oncall"
    assert doc["verdict"] == {
        "outcome": "pass",
        "reason": "Every objective held and the world was restored.",
        "restored": True,
        "exitCode": 0,
        "warnings": [],
    }
    assert doc["phases"]["faultInjectedAt"] == T0


def test_objectives_and_metrics_carry_measured_and_real() -> None:
    """Objectives and metrics hold measured and real-world seconds."""
    doc = json.loads(render(make_report(), "json"))
    assert doc["objectives"][0] == {
        "name": "rto",
        "targetS": 120.0,
        "measured": {"measuredS": 3.885, "realS": 38.85, "pmS": 0.125, "realPmS": 1.25},
        "held": True,
        "status": "held",
        "unit": "s",
        "uncertainty": None,
    }
    assert doc["metrics"]["restore"] == {
        "measuredS": 1.5,
        "realS": 15.0,
        "pmS": 0.0,
        "realPmS": 0.0,
    }


def test_vantage_points_carry_flip_ttl_and_raw_answer() -> None:
    """Each vantage point has its flip instant, flip + TTL, failback and the answer at the flip."""
    ny = json.loads(render(make_report(), "json"))["vantagePoints"][0]
    assert ny["name"] == "new-york"
    assert ny["flippedAt"] == T0 + 3.875
    assert ny["flip"] == {"lo": T0 + 3.75, "hi": T0 + 4.0, "mid": T0 + 3.875, "pmS": 0.125}
    assert ny["dnsFailoverPlusTtl"] == {
        "measuredS": 6.875,
        "realS": 68.75,
        "pmS": 0.125,
        "realPmS": 1.25,
    }
    assert ny["flipAnswer"].endswith("CNAME eu.ingress.sandbox.test.")
    assert (ny["failback"]["measuredS"], ny["failback"]["pmS"]) == (1.875, 0.125)


def test_never_happened_is_null() -> None:
    """A metric that never happened is null, and its objective is not held."""
    doc = json.loads(render(make_report(us_outage(flip=None)), "json"))
    assert doc["metrics"]["rto"] is None
    assert doc["vantagePoints"][0]["flippedAt"] is None
    assert doc["objectives"][0]["measured"] is None
    assert doc["objectives"][0]["held"] is False
    assert doc["verdict"]["outcome"] == "fail"


def test_restore_checks_and_journal() -> None:
    """Restore checks keep their outcome and detail; journal paths are listed."""
    drift = RestoreCheck("us/deploy/web replicas", "3", "5", RestoreOutcome.DRIFTED, "by hand")
    doc = json.loads(render(make_report(us_outage(checks=(drift,))), "json"))
    assert doc["restoreChecks"] == [
        {
            "what": "us/deploy/web replicas",
            "expected": "3",
            "actual": "5",
            "outcome": "drifted",
            "detail": "by hand",
        }
    ]
    assert doc["verdict"]["exitCode"] == 5
    assert doc["journalPaths"] == [f".drillkit/runs/{RUN_ID}/journal.jsonl"]


def test_secrets_are_redacted_in_json() -> None:
    """A bearer token in the abort reason does not reach the JSON."""
    doc = render(make_report(us_outage(abort_reason="401 with Bearer abc.def.ghi")), "json")
    assert "abc.def.ghi" not in doc
    assert json.loads(doc)["abortReason"] == "401 with Bearer [redacted]"
