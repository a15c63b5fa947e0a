"""The ARM twin's and the ingresses' TLS, from the sandbox's one certificate authority.

Inside a sandbox the runtime hands its authority (and its ``caFile``) down, so the kube twins,
the ARM twin and the ingresses chain to one CA. A Traffic Manager twin started on its own makes
an authority of the same kind and writes its CA as ``tm-ca.pem``.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from drillkit.sandbox.tls import Authority, make_authority

SERVER_NAMES = ("127.0.0.1", "localhost")


def make_server_tls(
    directory: Path,
    authority: Authority | None = None,
    ca_file: Path | None = None,
    hosts: tuple[str, ...] = SERVER_NAMES,
) -> tuple[ssl.SSLContext, Path]:
    """A server context from ``authority`` (made here when None) and the CA file to trust."""
    if authority is None:
        authority = make_authority(tuple(dict.fromkeys((*SERVER_NAMES, *hosts))))
    if ca_file is None:
        directory.mkdir(parents=True, exist_ok=True)
        ca_file = directory / "tm-ca.pem"
        ca_file.write_bytes(authority.ca_pem)
    return authority.server_context(), ca_file
