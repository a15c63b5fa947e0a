"""``drillkit run --sign-key`` with a key that cannot sign: refused before anything runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.exitcodes import ExitCode

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen (openssh-client)"
)

DRILL = Path(__file__).resolve().parents[2] / "drills" / "sandbox" / "us-outage.yaml"


def _run_with_key(tmp_path: Path, key: Path) -> tuple[int, str]:
    args = ["run", str(DRILL), "--yes", "--sign-key", str(key)]
    args += ["--evidence-dir", str(tmp_path / "ev"), "--runs-dir", str(tmp_path / "runs")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stderr


def test_a_file_that_is_no_key_is_a_preflight_refusal(tmp_path):
    """A --sign-key file that is no private key exits 3 (nothing changed) saying why, no banner."""
    key = tmp_path / "not-a-key"
    key.write_text("hello, I am not a key\n")
    key.chmod(0o600)
    code, err = _run_with_key(tmp_path, key)
    assert code == ExitCode.PREFLIGHT_REFUSED
    assert f"cannot sign evidence with {key}: Load key" in err
    assert "is it an OpenSSH private key?" in err
    assert "Nothing was run or changed" in err
    assert "@@@" not in err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "ev").exists()


def test_a_key_others_can_read_is_refused_naming_its_permissions(tmp_path):
    """A 0644 private key exits 3 with ssh-keygen's own cause, not its warning banner."""
    key = tmp_path / "key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=30
    )
    key.chmod(0o644)
    code, err = _run_with_key(tmp_path, key)
    assert code == ExitCode.PREFLIGHT_REFUSED
    assert f"Permissions 0644 for '{key}' are too open." in err
    assert f'Load key "{key}": bad permissions' in err
    assert "@@@" not in err and "WARNING: UNPROTECTED" not in err
