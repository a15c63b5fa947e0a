"""The chain's head file and late sealing: the newest record is checked, a killed run's adopted."""

from __future__ import annotations

import json
from pathlib import Path

from drillkit.evidence.chain import document_sha256, seal, sha256_file, verify_chain
from tests.evidence.history_docs import run_document, write_runs

NOW = "2026-11-30T21:00:00.000Z"


def _sealed_dir(tmp_path: Path, runs: int = 3) -> list[Path]:
    paths = write_runs(tmp_path, [run_document(i, 40.0 + i) for i in range(runs)])
    for path in paths:
        seal(path, NOW)
    return paths


def _problems(tmp_path: Path) -> list[tuple[Path, str]]:
    return [(b.path, b.problem) for b in verify_chain(tmp_path).breaks]


def test_head_names_the_newest_record_and_the_hash_of_its_bytes(tmp_path):
    """After each seal chain-head.json holds the newest record's place, name and sha256sum."""
    *_, last = _sealed_dir(tmp_path)
    head = json.loads((tmp_path / "chain-head.json").read_text())
    assert (head["kind"], head["sequence"], head["record"]) == (
        "DrillkitEvidenceChainHead",
        3,
        last.name,
    )
    assert head["recordSha256"] == sha256_file(last)
    assert head["genesisSha256"] == sha256_file(tmp_path / "chain-genesis.json")


def test_forged_newest_record_with_its_own_hash_recomputed_is_named(tmp_path):
    """An edited newest record with its documentSha256 recomputed still breaks, naming it."""
    *_, last = _sealed_dir(tmp_path)
    document = json.loads(last.read_text())
    document["metrics"]["rto"]["realS"] = 12.0
    document["integrity"]["documentSha256"] = document_sha256(document)
    last.write_text(json.dumps(document, indent=2) + "\n")
    assert _problems(tmp_path) == [
        (last, "changed after it was written (the recordSha256 in chain-head.json differs)")
    ]


def test_deleted_newest_record_is_named(tmp_path):
    """Deleting the newest record (and its Markdown and JUnit) breaks the chain, naming it."""
    *_, last = _sealed_dir(tmp_path)
    for path in tmp_path.glob(last.stem + ".*"):
        path.unlink()
    ((path, problem),) = _problems(tmp_path)
    assert path == last
    assert problem.startswith("is missing: chain-head.json names it as the newest record, #3")


def test_whitespace_only_edit_of_the_newest_record_is_caught_by_the_head(tmp_path):
    """documentSha256 is of canonical JSON, blind to whitespace; the head's byte hash is not."""
    *_, last = _sealed_dir(tmp_path)
    last.write_text(last.read_text().replace("\n", " \n", 1))
    ((path, problem),) = _problems(tmp_path)
    assert path == last and "recordSha256 in chain-head.json differs" in problem


def test_a_missing_head_is_a_break(tmp_path):
    """With sealed records and no chain-head.json, verify says the newest could be gone unseen."""
    _sealed_dir(tmp_path, 2)
    (tmp_path / "chain-head.json").unlink()
    ((path, problem),) = _problems(tmp_path)
    assert path == tmp_path / "chain-head.json" and problem.startswith("is missing, so ")


def test_next_seal_adopts_a_record_its_killed_run_never_sealed(tmp_path):
    """A record written but not sealed (run killed) is sealed by the next run, in order, marked."""
    first, killed, third = write_runs(tmp_path, [run_document(i, 40.0) for i in range(3)])
    seal(first, NOW)
    assert verify_chain(tmp_path).unsealed == (killed, third)
    document = seal(third, NOW)
    assert document["integrity"]["adopted"] == [killed.name]
    assert document["integrity"]["sequence"] == 3
    late = json.loads(killed.read_text())["integrity"]
    assert (late["sequence"], late["sealedLate"]["by"]) == (2, third.name)
    report = verify_chain(tmp_path)
    assert (report.records, report.unsealed, report.breaks) == ((first, killed, third), (), ())
    assert report.sealed_late == ((killed, third.name),)


def test_sealing_an_adopted_record_again_changes_nothing(tmp_path):
    """A run whose record another run adopted first finds it in the chain and leaves it."""
    first, second = write_runs(tmp_path, [run_document(i, 40.0) for i in range(2)])
    seal(second, NOW)
    before = first.read_bytes()
    assert seal(first, NOW)["integrity"]["sequence"] == 1
    assert first.read_bytes() == before
    assert verify_chain(tmp_path).breaks == ()


def test_a_record_of_a_later_run_is_not_adopted(tmp_path):
    """Only records of runs that started no later than the sealing run are adopted."""
    early, later = write_runs(tmp_path, [run_document(1, 40.0), run_document(5, 40.0)])
    seal(early, NOW)
    report = verify_chain(tmp_path)
    assert (report.records, report.unsealed) == ((early,), (later,))
