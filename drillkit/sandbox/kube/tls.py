"""The kube twins' TLS: the sandbox's one certificate authority (``drillkit.sandbox.tls``)."""

from drillkit.sandbox.tls import Authority, make_authority

__all__ = ["Authority", "make_authority"]
