"""SSH signatures of evidence files through OpenSSH's ``ssh-keygen -Y`` (no drillkit to check).

``sign`` writes ``FILE.sig`` next to the file, exactly as ``ssh-keygen -Y sign -f KEY -n NS FILE``
does; an auditor checks it with
``ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n NS -s FILE.sig < FILE``.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from drillkit.errors import PermanentAdapterError

NAMESPACE = "evidence@drillkit"
"""The signature namespace, in the NAMESPACE@YOUR.DOMAIN form ssh-keygen(1) recommends."""
_TIMEOUT_S = 30.0


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise PermanentAdapterError(
            "ssh-keygen is not installed, so evidence cannot be signed or checked; nothing was "
            "signed. Install OpenSSH's client (Debian: apt-get install openssh-client)."
        )
    return found


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    import structlog

    try:
        result = subprocess.run(
            [_ssh_keygen(), *args],
            input=stdin,
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise PermanentAdapterError(
            f"ssh-keygen {args[0]} {args[1]} did not finish in {_TIMEOUT_S:g} s "
            "(a key with a passphrase needs an ssh-agent); nothing was signed."
        ) from e
    structlog.get_logger().debug("ssh-keygen.run", args=args[:2], exit_status=result.returncode)
    return result


_BOILERPLATE = (
    "It is required that your private key files are NOT accessible by others.",
    "This private key will be ignored.",
)
"""Lines of OpenSSH's unprotected-key warning that say nothing about this key."""


def _said(result: subprocess.CompletedProcess[bytes]) -> str:
    """What ssh-keygen said that matters: its banner (``@@@@``) and boilerplate left out, the
    last two lines kept (the cause is at the end: "Permissions 0644 for 'k' are too open.",
    "Load key "k": invalid format"), each cut at its start when overlong."""
    text = (result.stderr or result.stdout).decode("utf-8", "replace")
    lines = [
        " ".join(line.split())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("@") and line.strip() not in _BOILERPLATE
    ]
    kept = [line if len(line) <= 200 else "..." + line[-197:] for line in lines[-2:]]
    return "; ".join(kept) or f"exit status {result.returncode}"


def _unreadable(said: str) -> bool:
    return "invalid format" in said or "libcrypto" in said


def check_key(key: Path) -> str:
    """Refuse, before a run, a key that cannot sign unattended; returns its public key line."""
    result = _run(["-y", "-P", "", "-f", str(key)], stdin=b"")
    if result.returncode != 0:
        said = _said(result)
        hint = " (is it an OpenSSH private key? a .pub file is not)" if _unreadable(said) else ""
        raise PermanentAdapterError(
            f"cannot sign evidence with {key}: {said}{hint}. Nothing was run or changed; pass a "
            "private key file only its owner can read (chmod 600), with no passphrase (or "
            "loaded in ssh-agent), or drop --sign-key."
        )
    return result.stdout.decode("utf-8", "replace").strip()


def sign(path: Path, key: Path, namespace: str = NAMESPACE) -> Path:
    """Sign ``path`` with the private key ``key``; returns the signature file ``path.sig``."""
    signature = path.with_name(path.name + ".sig")
    signature.unlink(missing_ok=True)  # ssh-keygen asks before overwriting
    result = _run(["-Y", "sign", "-f", str(key), "-n", namespace, str(path)], stdin=b"")
    if result.returncode != 0 or not signature.exists():
        raise PermanentAdapterError(
            f"could not sign {path} with {key}: {_said(result)}. The evidence is written but "
            "unsigned; check the key file and sign it again with ssh-keygen -Y sign."
        )
    return signature


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """One signature checked: valid or not, who signed it when known, and what ssh-keygen said."""

    path: Path
    valid: bool
    signer: str | None
    detail: str


def check(
    path: Path, allowed_signers: Path | None = None, namespace: str = NAMESPACE
) -> SignatureCheck:
    """Check ``path.sig`` over ``path``.

    With an allowed-signers file the signer must be listed there (``-Y find-principals`` then
    ``-Y verify``); without one only the signature itself is checked (``-Y check-novalidate``).
    """
    signature = path.with_name(path.name + ".sig")
    data = path.read_bytes()
    if allowed_signers is None:
        result = _run(["-Y", "check-novalidate", "-n", namespace, "-s", str(signature)], data)
        return SignatureCheck(path, result.returncode == 0, None, _said(result))
    found = _run(["-Y", "find-principals", "-f", str(allowed_signers), "-s", str(signature)])
    principals = found.stdout.decode("utf-8", "replace").split()
    if found.returncode != 0 or not principals:
        return SignatureCheck(path, False, None, f"no allowed signer made it: {_said(found)}")
    args = ["-Y", "verify", "-f", str(allowed_signers), "-I", principals[0], "-n", namespace]
    result = _run([*args, "-s", str(signature)], data)
    return SignatureCheck(path, result.returncode == 0, principals[0], _said(result))
