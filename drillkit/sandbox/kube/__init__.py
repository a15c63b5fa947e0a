"""The Kubernetes API twin: one in-process, loopback-only API server per sandbox region."""

from drillkit.sandbox.kube.twin import KubeTwin

__all__ = ["KubeTwin"]
