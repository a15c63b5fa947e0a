"""Evidence signatures made with ssh-keygen -Y sign, checked by plain OpenSSH and by drillkit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from drillkit.adapters.signing import NAMESPACE, check, sign

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen (openssh-client)"
)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    """A fresh ed25519 key pair with no passphrase."""
    path = tmp_path / "keys" / "auditor_ed25519"
    path.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sre@example", "-f", str(path)],
        check=True,
        timeout=30,
    )
    return path


def _allowed_signers(key: Path, identity: str = "sre@example.org") -> Path:
    public = key.with_name(key.name + ".pub").read_text().split()
    path = key.parent / "allowed_signers"
    path.write_text(f'{identity} namespaces="{NAMESPACE}" {public[0]} {public[1]}\n')
    return path


def _record(tmp_path: Path) -> Path:
    path = tmp_path / "us-outage-20261130T210000Z.json"
    path.write_text('{"runId": "us-outage-20261130T210000Z"}\n')
    return path


def test_plain_ssh_keygen_verifies_a_signed_record(tmp_path, key):
    """ssh-keygen -Y verify, with no drillkit involved, accepts the signature drillkit wrote."""
    record = _record(tmp_path)
    signature = sign(record, key)
    assert signature == tmp_path / (record.name + ".sig")
    with record.open("rb") as stdin:
        result = subprocess.run(
            [
                "ssh-keygen", "-Y", "verify", "-f", str(_allowed_signers(key)),
                "-I", "sre@example.org", "-n", "evidence@drillkit", "-s", str(signature),
            ],
            stdin=stdin, capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b'Good "evidence@drillkit" signature for sre@example.org' in result.stdout


def test_check_names_the_signer_and_refuses_an_edit(tmp_path, key):
    """drillkit's check names the allowed signer, and fails after a one-byte edit of the record."""
    record = _record(tmp_path)
    sign(record, key)
    good = check(record, _allowed_signers(key))
    assert (good.valid, good.signer) == (True, "sre@example.org")
    record.write_bytes(record.read_bytes().replace(b"Z", b"X", 1))
    assert not check(record, _allowed_signers(key)).valid
    assert not check(record).valid


def test_unlisted_signer_is_refused(tmp_path, key):
    """A valid signature by a key missing from allowed_signers does not verify."""
    record = _record(tmp_path)
    sign(record, key)
    other = tmp_path / "keys" / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    result = check(record, _allowed_signers(other))
    assert not result.valid
    assert "no allowed signer" in result.detail
    assert check(record).valid  # without an allowed-signers file only the signature is checked


def test_check_key_refuses_a_passphrase_key_and_a_public_key(tmp_path, key):
    """A key that would prompt for a passphrase, or a public key, is refused before any run."""
    from drillkit.adapters.signing import check_key
    from drillkit.errors import PermanentAdapterError

    assert check_key(key).startswith("ssh-ed25519 ")
    locked = tmp_path / "keys" / "locked"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret-words", "-f", str(locked)],
        check=True,
        timeout=30,
    )
    for bad in (locked, key.with_name(key.name + ".pub")):
        with pytest.raises(PermanentAdapterError, match="cannot sign evidence with"):
            check_key(bad)
