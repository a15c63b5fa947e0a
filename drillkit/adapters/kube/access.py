"""RBAC questions through SelfSubjectAccessReview."""

from __future__ import annotations

from drillkit.adapters.kube.connection import KubeConnection
from drillkit.adapters.ports import AccessCheck


class KubeAccess(KubeConnection):
    """``Access``: the API server's URL and SelfSubjectAccessReview."""

    def server(self) -> str:
        return str(self._api.configuration.host)

    def can_i(self, check: AccessCheck) -> bool:
        from kubernetes import client

        body = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    verb=check.verb,
                    group=check.group,
                    resource=check.resource,
                    subresource=check.subresource or None,
                    namespace=check.namespace or None,
                )
            )
        )
        review = self._call(
            "access review", lambda: self.authz.create_self_subject_access_review(body)
        )
        return bool(review.status and review.status.allowed)
