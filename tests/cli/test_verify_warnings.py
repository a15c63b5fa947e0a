"""``drillkit verify`` says what a passing check cannot promise, and names a never-sealed record."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.evidence.chain import seal
from drillkit.exitcodes import ExitCode
from tests.evidence.history_docs import run_document, write_runs

NOW = "2026-11-30T21:00:00.000Z"
needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")


def verify(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _key(tmp_path: Path) -> Path:
    key = tmp_path / "key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sre@example", "-f", str(key)],
        check=True,
        timeout=30,
    )
    return key


def test_unsigned_newest_record_passes_with_a_warning(tmp_path):
    """An intact unsigned chain exits 0, warning that its newest record could be edited unseen."""
    paths = write_runs(tmp_path, [run_document(i, 40.0) for i in range(2)])
    for path in paths:
        seal(path, NOW)
    code, out, err = verify(str(tmp_path))
    assert code == ExitCode.PASS and "chain holds: 2 record(s)" in out
    assert (
        f"WARNING: the newest record {paths[-1].name} is protected only by signatures: unsigned, "
        "it could be edited or removed, with chain-head.json rewritten to match, without this "
        "check noticing" in err
    )


def test_a_record_whose_run_was_killed_before_sealing_is_named_so(tmp_path):
    """A written but unsealed record fails verify with the likely cause and the way out."""
    sealed, killed = write_runs(tmp_path, [run_document(i, 40.0) for i in range(2)])
    seal(sealed, NOW)
    code, _, err = verify(str(tmp_path))
    assert code == ExitCode.OBJECTIVE_MISSED
    assert (
        f"broken at {killed}: is not in the chain: written but never sealed (the run was killed "
        "before sealing?)" in err
    )
    assert "the next run in this directory seals it" in err


def test_the_next_run_seals_what_a_killed_run_left_and_says_so(tmp_path):
    """finish_evidence after a killed run seals its record first, says so, and verify passes."""
    from drillkit.cli.evidence_finish import finish_evidence

    first, killed, third = write_runs(tmp_path, [run_document(i, 40.0) for i in range(3)])
    seal(first, NOW)
    lines = finish_evidence({"json": third})
    assert lines[0].startswith(f"evidence chain: {killed.name} was written but never sealed")
    assert lines[1] == f"evidence chain: {third.name} is record #3"
    code, _, err = verify(str(tmp_path))
    assert code == ExitCode.PASS
    assert f"note: {killed.name} was sealed late, by the run that wrote {third.name}" in err


def test_deleting_the_newest_record_fails_verify_naming_it(tmp_path):
    """verify exits 1 naming the newest record once it is deleted (chain-head.json remembers it)."""
    paths = write_runs(tmp_path, [run_document(i, 40.0) for i in range(3)])
    for path in paths:
        seal(path, NOW)
    paths[-1].unlink()
    code, _, err = verify(str(tmp_path), "--allow-unsealed")
    assert code == ExitCode.OBJECTIVE_MISSED
    assert f"broken at {paths[-1]}: is missing: chain-head.json names it" in err


@needs_ssh_keygen
def test_signatures_without_allowed_signers_are_integrity_only(tmp_path):
    """Signed records verified without --allowed-signers warn they prove no trusted signer."""
    from drillkit.cli.evidence_finish import finish_evidence

    key = _key(tmp_path)
    evidence = tmp_path / "evidence"
    (record,) = write_runs(evidence, [run_document(0, 40.0)])
    finish_evidence({"json": record}, key)
    code, out, err = verify(str(evidence), "--require-signatures")
    assert code == ExitCode.PASS and "2 signature(s) valid" in out
    assert "WARNING: signatures checked for integrity only, not tied to a trusted key" in err
    assert "protected only by signatures" not in err
    public = key.with_name("key.pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'sre@example.org namespaces="evidence@drillkit" {public[0]} {public[1]}\n')
    code, _, err = verify(str(evidence), "--allowed-signers", str(signers))
    assert code == ExitCode.PASS and "WARNING" not in err


@needs_ssh_keygen
def test_an_unsigned_run_after_a_signed_one_drops_the_stale_head_signature(tmp_path):
    """A run sealed without --sign-key removes chain-head.json.sig; verify warns, never breaks."""
    from drillkit.cli.evidence_finish import finish_evidence

    key = _key(tmp_path)
    signed, unsigned = write_runs(tmp_path / "ev", [run_document(i, 40.0) for i in range(2)])
    finish_evidence({"json": signed}, key)
    finish_evidence({"json": unsigned})
    assert not (tmp_path / "ev" / "chain-head.json.sig").exists()
    code, _, err = verify(str(tmp_path / "ev"))
    assert code == ExitCode.PASS
    assert f"the newest record {unsigned.name} is protected only by signatures" in err
