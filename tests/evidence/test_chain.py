"""The evidence chain: sealing links each run to the one before; verify names the first break."""

from __future__ import annotations

import json
from pathlib import Path

from drillkit.evidence.chain import seal, sha256_file, verify_chain
from tests.evidence.history_docs import run_document, write_runs


def _sealed_dir(tmp_path: Path, runs: int = 3) -> list[Path]:
    paths = write_runs(tmp_path, [run_document(i, 40.0 + i) for i in range(runs)])
    for path in paths:
        seal(path, "2026-11-30T21:00:00.000Z")
    return paths


def test_first_record_links_to_the_genesis_record(tmp_path):
    """The first sealed run names chain-genesis.json and its SHA-256 as the previous record."""
    (first,) = _sealed_dir(tmp_path, 1)
    integrity = json.loads(first.read_text())["integrity"]
    genesis = tmp_path / "chain-genesis.json"
    assert integrity["sequence"] == 1
    assert integrity["previousEvidence"] == "chain-genesis.json"
    assert integrity["previousEvidenceSha256"] == sha256_file(genesis)
    assert integrity["markdownSha256"] == sha256_file(first.with_suffix(".md"))
    assert integrity["junitSha256"] == sha256_file(tmp_path / (first.stem + ".junit.xml"))


def test_each_record_holds_the_hash_of_the_previous_json_bytes(tmp_path):
    """Run n+1 records the SHA-256 of run n's sealed JSON file, as sha256sum would print it."""
    first, second, _ = _sealed_dir(tmp_path)
    integrity = json.loads(second.read_text())["integrity"]
    assert (integrity["sequence"], integrity["previousEvidence"]) == (2, first.name)
    assert integrity["previousEvidenceSha256"] == sha256_file(first)


def test_intact_chain_verifies(tmp_path):
    """An untouched directory verifies with every record in chain order and no break."""
    paths = _sealed_dir(tmp_path)
    report = verify_chain(tmp_path)
    assert report.records == tuple(paths)
    assert report.breaks == ()


def test_one_byte_edit_of_a_middle_json_names_that_file(tmp_path):
    """Changing one byte of run 2's JSON (even whitespace) breaks the chain at run 2's file."""
    _, second, _ = _sealed_dir(tmp_path)
    data = bytearray(second.read_bytes())
    data[data.index(b"\n")] = ord(" ")
    second.write_bytes(bytes(data))
    first_break = verify_chain(tmp_path).first_break
    assert first_break is not None
    assert first_break.path == second
    assert "previousEvidenceSha256" in first_break.problem


def test_edited_figure_in_the_newest_json_is_caught(tmp_path):
    """The newest record has no successor, yet an edited RTO breaks its documentSha256."""
    *_, last = _sealed_dir(tmp_path)
    last.write_text(last.read_text().replace('"realS": 42.0', '"realS": 12.0'))
    first_break = verify_chain(tmp_path).first_break
    assert first_break is not None and first_break.path == last
    assert "documentSha256" in first_break.problem


def test_one_byte_edit_of_markdown_names_the_markdown(tmp_path):
    """A one-byte change to a run's Markdown breaks the chain naming the .md file."""
    first, *_ = _sealed_dir(tmp_path)
    markdown = first.with_suffix(".md")
    markdown.write_bytes(markdown.read_bytes()[:-1] + b"!")
    first_break = verify_chain(tmp_path).first_break
    assert first_break is not None and first_break.path == markdown


def test_deleted_record_is_a_missing_link(tmp_path):
    """Deleting a run's JSON leaves a gap that verify reports as record #2 missing."""
    _, second, _ = _sealed_dir(tmp_path)
    second.unlink()
    first_break = verify_chain(tmp_path).first_break
    assert first_break is not None
    assert "record #2 of the chain is missing" in first_break.problem


def test_unsealed_records_are_listed_apart(tmp_path):
    """A run JSON with no integrity fields is reported as unsealed, not as a chain record."""
    _sealed_dir(tmp_path, 1)
    (extra,) = write_runs(tmp_path, [run_document(9, 40.0)])
    report = verify_chain(tmp_path)
    assert report.unsealed == (extra,)
    assert report.breaks == ()


def test_concurrent_seals_never_fork_the_chain(tmp_path):
    """Eight records sealed from eight threads at once get places 1..8, each linked to the last."""
    from concurrent.futures import ThreadPoolExecutor

    paths = write_runs(tmp_path, [run_document(i, 40.0) for i in range(8)])
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda p: seal(p, "2026-11-30T21:00:00.000Z"), paths))
    report = verify_chain(tmp_path)
    assert report.breaks == () and len(report.records) == 8
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    """fsync failing with ENOSPC while sealing raises, and no .partial file is left behind."""
    import errno

    import pytest

    from drillkit.evidence import chain

    (path,) = write_runs(tmp_path, [run_document(0, 40.0)])

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(chain.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        seal(path, "2026-11-30T21:00:00.000Z")
    assert sorted(p.name for p in tmp_path.glob(".*partial")) == []
    assert "integrity" not in json.loads(path.read_text())
