"""The real tier's own tests use its shared fixtures."""

from tests.realapi.fixtures import real_api, real_cluster, real_kubeconfig, real_viewer_api

__all__ = ["real_api", "real_cluster", "real_kubeconfig", "real_viewer_api"]
