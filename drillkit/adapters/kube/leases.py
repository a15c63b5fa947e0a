"""coordination.k8s.io/v1 Leases, with optimistic concurrency on resourceVersion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drillkit.adapters import retry
from drillkit.adapters.kube.connection import KubeConnection, _translate
from drillkit.adapters.ports import LeaseState
from drillkit.errors import AdapterError, PermanentAdapterError


class KubeLeases(KubeConnection):
    """``Leases``: the drill lock."""

    def get_lease(self, namespace: str, name: str) -> LeaseState | None:
        try:
            lease = self._call(
                f"read lease {name}",
                lambda: self.coordination.read_namespaced_lease(name, namespace),
            )
        except PermanentAdapterError as e:
            if e.status == 404:
                return None
            raise
        return _lease(lease)

    def put_lease(self, lease: LeaseState, holder: str, now: float) -> LeaseState:
        """Create the lease (empty resource_version) or replace it; 409 means someone raced us."""
        from kubernetes import client

        stamp = dt.datetime.fromtimestamp(now, dt.UTC)
        body = client.V1Lease(
            metadata=client.V1ObjectMeta(
                name=lease.name,
                namespace=lease.namespace,
                resource_version=lease.resource_version or None,
                labels={"app.kubernetes.io/managed-by": "drillkit"},
            ),
            spec=client.V1LeaseSpec(
                holder_identity=holder,
                lease_duration_seconds=lease.duration_s,
                renew_time=stamp,
                acquire_time=stamp if lease.holder != holder else None,
            ),
        )
        what = f"take lease {lease.namespace}/{lease.name}"
        attempts = 0

        def write() -> Any:
            nonlocal attempts
            attempts += 1
            try:
                if lease.resource_version:
                    return _translate(
                        what,
                        lambda: self.coordination.replace_namespaced_lease(
                            lease.name, lease.namespace, body
                        ),
                    )
                return _translate(
                    what, lambda: self.coordination.create_namespaced_lease(lease.namespace, body)
                )
            except PermanentAdapterError as e:
                # A retried write whose first try landed (its answer lost) conflicts with
                # itself: the lease is ours if it names us.
                if e.status == 409 and attempts > 1:
                    current = self.get_lease(lease.namespace, lease.name)
                    if current is not None and current.holder == holder:
                        return None
                raise

        result = retry.call(f"kube.{what}", write, deadline_s=self._deadline)
        if result is None:
            current = self.get_lease(lease.namespace, lease.name)
            assert current is not None
            return current
        return _lease(result)

    def delete_lease(self, namespace: str, name: str, holder: str) -> None:
        current = self.get_lease(namespace, name)
        if current is None or current.holder != holder:
            return
        from kubernetes import client

        options = client.V1DeleteOptions(
            preconditions=client.V1Preconditions(resource_version=current.resource_version)
        )
        try:
            self._call(
                f"release lease {name}",
                lambda: self.coordination.delete_namespaced_lease(name, namespace, body=options),
            )
        except AdapterError as e:
            if e.status not in (404, 409):
                raise


def _lease(lease: Any) -> LeaseState:
    spec = lease.spec
    renew = spec.renew_time or spec.acquire_time
    return LeaseState(
        name=lease.metadata.name,
        namespace=lease.metadata.namespace,
        holder=spec.holder_identity,
        renew_time=renew.timestamp() if renew else None,
        duration_s=spec.lease_duration_seconds or 0,
        resource_version=lease.metadata.resource_version or "",
    )
