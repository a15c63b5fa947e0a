"""The deploy tests use the real tier's shared fixtures for server-side dry runs."""

from __future__ import annotations

from tests.realapi.fixtures import real_cluster, real_kubeconfig

__all__ = ["real_cluster", "real_kubeconfig"]
