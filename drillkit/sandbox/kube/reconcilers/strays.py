"""Stray pods: what ``kubectl drain`` refuses without ``--force`` or ``--delete-emptydir-data``.

kubectl drain (kubernetes.io/docs/reference/kubectl/generated/kubectl_drain/): "If there are
pods that are not managed by a replication controller, replica set, daemon set, stateful set,
or job, then drain will not delete any pods unless you use --force"; pods with emptyDir
volumes need ``--delete-emptydir-data`` ("Continue even if there are pods using emptyDir (local
data that will be deleted when the node is drained)").
"""

from __future__ import annotations

from drillkit.sandbox.hostile import Strays as Settings
from drillkit.sandbox.kube import resources as R
from drillkit.sandbox.kube.reconcilers.base import ensure_namespace
from drillkit.sandbox.kube.store import Store
from drillkit.sandbox.kube.validation import apply_defaults

UNMANAGED = "debug-shell"
SCRATCH = "scratch"
IMAGE = "registry.sandbox.test/tools/{name}:1.0"


class Strays:
    """Seeds a bare pod and a Deployment whose pod keeps data in an emptyDir; no loop."""

    interval = 3600.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def seed(self, store: Store) -> None:
        ns = self.settings.namespace
        ensure_namespace(store, ns)
        if self.settings.unmanaged_pod:
            pod = {
                "kind": "Pod",
                "apiVersion": "v1",
                "metadata": {"name": UNMANAGED, "namespace": ns, "labels": {"run": UNMANAGED}},
                "spec": {
                    "containers": [{"name": UNMANAGED, "image": IMAGE.format(name=UNMANAGED)}]
                },
            }
            store.create(R.PODS.key, apply_defaults(R.PODS, pod))
        if self.settings.empty_dir_pod:
            template = {
                "metadata": {"labels": {"app": SCRATCH}},
                "spec": {
                    "volumes": [{"name": "cache", "emptyDir": {}}],
                    "containers": [
                        {
                            "name": SCRATCH,
                            "image": IMAGE.format(name=SCRATCH),
                            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                        }
                    ],
                },
            }
            deployment = {
                "kind": "Deployment",
                "apiVersion": "apps/v1",
                "metadata": {"name": SCRATCH, "namespace": ns, "labels": {"app": SCRATCH}},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": SCRATCH}},
                    "template": template,
                },
            }
            store.create(
                R.DEPLOYMENTS.key, apply_defaults(R.DEPLOYMENTS, deployment), generation=True
            )

    def tick(self, store: Store, now: float) -> None:
        """Strays do nothing after they are created."""
