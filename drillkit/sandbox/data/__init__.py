"""The sandbox's replicated store: per-region canary documents, asynchronous replication."""
