"""A hung API server cannot hang a drill: every Kubernetes call has a timeout."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import yaml

from drillkit.adapters.kube import KubeCluster, connection
from drillkit.errors import TransientAdapterError


def test_a_silent_api_server_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that accepts and never answers yields a transient error, not a hang."""
    monkeypatch.setattr(connection, "REQUEST_TIMEOUT_S", (0.5, 0.5))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "silent",
            "clusters": [{"name": "silent", "cluster": {"server": url}}],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": "silent", "context": {"cluster": "silent", "user": "u"}}],
        }  # fmt: skip
        path = tmp_path / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        cluster = KubeCluster("silent", str(path), retry_deadline_s=1.0)
        started = time.monotonic()
        try:
            with pytest.raises(TransientAdapterError):
                cluster.list_nodes({})
        finally:
            cluster.close()
        assert time.monotonic() - started < 10
