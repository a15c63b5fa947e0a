"""The typed journal records: every kind round-trips, old journals read, unknown kinds survive."""

from __future__ import annotations

import json
from pathlib import Path

from drillkit.adapters.bundle import ConnectionInfo
from drillkit.core.plan import Phase
from drillkit.engine.records import (
    RECORD_TYPES,
    Aborted,
    Baseline,
    CanaryTicked,
    EvidenceWritten,
    GateWaited,
    GuardNote,
    Held,
    Intent,
    Item,
    Mark,
    Observation,
    ObservationError,
    PhaseEntered,
    PredictionMade,
    Record,
    RecoveryFinished,
    RecoveryStarted,
    Refused,
    RestoreChecked,
    RestoreIntent,
    RestoreResult,
    Result,
    RunFinished,
    RunStarted,
    SnapshotTaken,
    StatusObservation,
    UnknownRecord,
    VerdictReached,
    from_json,
    read_journal,
    to_json,
)
from drillkit.engine.samples import (
    CanaryRead,
    CanaryWrite,
    EndpointObservation,
    RegionCheck,
    VantageSample,
)

EXAMPLES: list[Record] = [
    RunStarted(
        run_id="r1", drill={"metadata": {"name": "x"}}, drill_path="d.yaml", drill_sha256="ab",
        run_by="me@host", time_scale=0.1, fqdn="myapp.trafficmanager.net",
        connection=ConnectionInfo(environment="sandbox", state_dir="/s", dns="127.0.0.1:53"),
    ),
    PhaseEntered(phase=Phase.INJECT),
    Mark(name="fault_injected", at=12.5),
    Refused(reason="no"),
    Baseline(normal={"new-york": "us", "paris": None}),
    PredictionMade(
        detection_s=(30.0, 45.0), dns_flip_s=(30.0, 45.0), client_s=(30.0, 75.0), ttl_s=30,
        basis="probes every 10 s",
    ),
    SnapshotTaken(items=(Item("us/node/n1 unschedulable", "node", "us", {"name": "n1"}, False),)),
    Aborted(reason="maxDuration", interrupted=True),
    Held(event="joined", what="us/node/n4 spec.unschedulable", region="us", value=False),
    Held(event="reverted", what="us/deployment/shop/web replicas", value=3, by="argocd"),
    Intent(id="m1", action="cordon", item="us/node/n1 spec.unschedulable", region="us", value=True),
    Result(id="m1", ok=True, detail="evicted"),
    Observation(
        vantage=(VantageSample(name="paris", at=1.0, region="eu", rcode="NOERROR", ttl=30),),
        regions={"eu": RegionCheck(at=1.0, ok=True, status=200)},
    ),
    StatusObservation(at=2.0, endpoints=(EndpointObservation(endpoint="p/t/us", region="us",
                                                             status="Degraded"),)),
    ObservationError(source="arm", error="503"),
    CanaryTicked(canary="orders", writes=(CanaryWrite(id="o-1", role="target", sent_at=1.0,
                                                      answered_at=1.1, acked=True, status=201),),
                 reads=(CanaryRead(id="o-0", role="survivor", readable=True, last_miss_at=0.9,
                                   found_at=1.05, polls=2),)),
    RestoreIntent(item="x", value=3, was=0),
    RestoreResult(item="x", ok=True, value=3),
    RestoreChecked(what="x", expected="3", actual="3", outcome="restored"),
    RecoveryStarted(force=True),
    RecoveryFinished(restored=True),
    VerdictReached(outcome="pass", reason="ok", restored=True),
    EvidenceWritten(paths={"md": "a.md"}),
    RunFinished(verdict="pass"),
    GuardNote(guard="window", detail="Sat 2026-12-05 10:00 UTC is a Sat; overridden: hotfix"),
    GateWaited(step="inject", at=99.5, waited_s=2.5, answer="continue"),
]  # fmt: skip

# A journal as round 1 wrote it (schema version 1: no schemaVersion, the same keys).
ROUND_1 = [
    {"seq": 1, "kind": "run.started", "mono": 1.0, "wall": 100.0, "runId": "r1",
     "drill": {"metadata": {"name": "us-outage"}}, "drillPath": "d.yaml", "drillSha256": "ab",
     "runBy": "me@h", "timeScale": 0.1, "fqdn": "f",
     "connection": {"environment": "sandbox", "stateDir": "/s", "kubeconfig": "/k",
                    "armUrl": "https://127.0.0.1:1", "dns": "127.0.0.1:2"}},
    {"seq": 2, "kind": "phase", "mono": 1.1, "wall": 100.1, "phase": "preflight"},
    {"seq": 3, "kind": "mark", "mono": 1.2, "wall": 100.2, "name": "lock_acquired", "at": 100.2},
    {"seq": 4, "kind": "obs", "mono": 1.3, "wall": 100.3,
     "vantage": [{"name": "paris", "at": 100.3, "region": "eu", "rcode": "NOERROR",
                  "answer": "eu.ingress", "ttl": 30}],
     "regions": {"eu": {"at": 100.3, "ok": True, "status": 200, "error": None}}},
    {"seq": 5, "kind": "obs.status", "mono": 1.4, "wall": 100.4, "at": 100.4,
     "endpoints": [{"endpoint": "p/ExternalEndpoints/us", "region": "us", "status": "Online",
                    "endpointStatus": "Enabled"}]},
    {"seq": 6, "kind": "snapshot", "mono": 1.5, "wall": 100.5,
     "items": [{"what": "us/node/n1 spec.unschedulable", "kind": "node", "region": "us",
                "ref": {"name": "n1"}, "value": False, "mutable": True}]},
    {"seq": 7, "kind": "intent", "mono": 1.6, "wall": 100.6, "id": "m1", "action": "cordon",
     "item": "us/node/n1 spec.unschedulable", "region": "us", "value": True},
    {"seq": 8, "kind": "result", "mono": 1.7, "wall": 100.7, "id": "m1", "ok": True,
     "detail": ""},
    {"seq": 9, "kind": "restore.result", "mono": 1.8, "wall": 100.8, "item": "x", "ok": False,
     "detail": "boom"},
]  # fmt: skip


def test_every_kind_has_an_example() -> None:
    """The round-trip examples cover every registered record kind."""
    assert {type(r).KIND for r in EXAMPLES} == set(RECORD_TYPES)


def test_every_kind_round_trips_through_json() -> None:
    """Each record written as a JSON line reads back equal, with its kind."""
    for record in EXAMPLES:
        line = json.loads(json.dumps(to_json(record)))
        assert line["kind"] == record.kind
        assert from_json(line) == record, record.kind


def test_a_round_1_journal_reads_as_typed_records(tmp_path: Path) -> None:
    """A journal written before schemaVersion existed reads into the typed records (version 1)."""
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROUND_1))
    records = read_journal(path)
    assert not [r for r in records if isinstance(r, UnknownRecord)]
    started = records[0]
    assert isinstance(started, RunStarted) and started.schema_version == 1
    assert started.connection.state_dir == "/s" and started.time_scale == 0.1
    obs = records[3]
    assert isinstance(obs, Observation) and obs.regions["eu"].status == 200
    snapshot = records[5]
    assert isinstance(snapshot, SnapshotTaken) and snapshot.items[0].ref == {"name": "n1"}
    assert isinstance(records[1], PhaseEntered) and records[1].phase is Phase.PREFLIGHT


def test_an_unknown_kind_is_kept_not_dropped(tmp_path: Path) -> None:
    """A kind from a newer drillkit reads as an UnknownRecord that keeps its kind and fields."""
    path = tmp_path / "journal.jsonl"
    lines = [ROUND_1[0], {"seq": 2, "kind": "hold.lost", "mono": 2, "wall": 3, "item": "x"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    unknown = read_journal(path)[1]
    assert isinstance(unknown, UnknownRecord)
    assert (unknown.kind, unknown.seq, unknown.data) == ("hold.lost", 2, {"item": "x"})
    assert to_json(unknown)["item"] == "x"


def test_a_damaged_known_record_reads_as_unknown_with_its_problem(tmp_path: Path) -> None:
    """A known kind missing a required field is kept as an UnknownRecord saying what is wrong."""
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps({"seq": 1, "kind": "intent", "wall": 1, "action": "x"}) + "\n")
    (record,) = read_journal(path)
    assert isinstance(record, UnknownRecord) and "missing 'id'" in record.problem


def test_a_damaged_line_in_the_middle_is_skipped(tmp_path: Path) -> None:
    """A line that is not JSON does not hide the records after it."""
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps(ROUND_1[1]) + "\n{not json\n" + json.dumps(ROUND_1[2]) + "\n")
    assert [r.kind for r in read_journal(path)] == ["phase", "mark"]


def test_the_reader_can_type_only_some_kinds(tmp_path: Path) -> None:
    """read_journal(kinds=...) returns only those records (a cheap scan for listings)."""
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROUND_1))
    assert [r.kind for r in read_journal(path, (Intent, RunStarted))] == ["run.started", "intent"]
