"""The resource types the twin serves, and the discovery documents kubectl reads about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

READ = ("get", "list", "watch")
_ALL = {
    "pods",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "horizontalpodautoscalers",
}
ALL = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
KUBE_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-drillkit"}


@dataclass(frozen=True)
class Resource:
    """One served resource; ``group``+``plural`` is its storage key across versions."""

    group: str
    versions: tuple[str, ...]
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL
    subresources: dict[str, tuple[str, str, str, tuple[str, ...]]] = field(default_factory=dict)
    """subresource -> (group, version, kind, verbs) as discovery lists it."""
    has_generation: bool = False

    @property
    def categories(self) -> tuple[str, ...]:
        """``kubectl get all`` lists the resources in category "all"."""
        return ("all",) if self.plural in _ALL else ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def singular(self) -> str:
        return self.kind.lower()

    def api_version(self, version: str) -> str:
        return f"{self.group}/{version}" if self.group else version


def _status(kind: str) -> tuple[str, str, str, tuple[str, ...]]:
    return ("", "", kind, ("get", "patch", "update"))


_SCALE = ("autoscaling", "v1", "Scale", ("get", "patch", "update"))

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "",
        ("v1",),
        "namespaces",
        "Namespace",
        False,
        ("ns",),
        ("create", "delete", "get", "list", "patch", "update", "watch"),
        {"status": _status("Namespace")},
    ),
    Resource(
        "", ("v1",), "nodes", "Node", False, ("no",), subresources={"status": _status("Node")}
    ),
    Resource(
        "",
        ("v1",),
        "pods",
        "Pod",
        True,
        ("po",),
        subresources={
            "status": _status("Pod"),
            "eviction": ("policy", "v1", "Eviction", ("create",)),
        },
    ),
    Resource("", ("v1",), "events", "Event", True, ("ev",)),
    Resource(
        "apps",
        ("v1",),
        "deployments",
        "Deployment",
        True,
        ("deploy",),
        subresources={"status": _status("Deployment"), "scale": _SCALE},
        has_generation=True,
    ),
    Resource(
        "apps",
        ("v1",),
        "replicasets",
        "ReplicaSet",
        True,
        ("rs",),
        subresources={"status": _status("ReplicaSet"), "scale": _SCALE},
        has_generation=True,
    ),
    Resource(
        "apps",
        ("v1",),
        "statefulsets",
        "StatefulSet",
        True,
        ("sts",),
        subresources={"status": _status("StatefulSet"), "scale": _SCALE},
        has_generation=True,
    ),
    Resource(
        "apps",
        ("v1",),
        "daemonsets",
        "DaemonSet",
        True,
        ("ds",),
        subresources={"status": _status("DaemonSet")},
        has_generation=True,
    ),
    Resource(
        "policy",
        ("v1", "v1beta1"),
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        True,
        ("pdb",),
        subresources={"status": _status("PodDisruptionBudget")},
        has_generation=True,
    ),
    Resource(
        "autoscaling",
        ("v2", "v1"),
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        True,
        ("hpa",),
        subresources={"status": _status("HorizontalPodAutoscaler")},
        has_generation=True,
    ),
    Resource("coordination.k8s.io", ("v1",), "leases", "Lease", True),
    # Custom resources of the controllers a hostile world runs (served whether or not the
    # world turns them on: an empty list then, where a cluster without the CRD answers 404).
    Resource(
        "keda.sh",
        ("v1alpha1",),
        "scaledobjects",
        "ScaledObject",
        True,
        ("so",),
        subresources={"status": _status("ScaledObject")},
        has_generation=True,
    ),
    Resource(
        "kustomize.toolkit.fluxcd.io",
        ("v1",),
        "kustomizations",
        "Kustomization",
        True,
        ("ks",),
        subresources={"status": _status("Kustomization")},
        has_generation=True,
    ),
    Resource(
        "argoproj.io",
        ("v1alpha1",),
        "applications",
        "Application",
        True,
        ("app", "apps"),
        has_generation=True,
    ),
    Resource(
        "authorization.k8s.io",
        ("v1",),
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        False,
        verbs=("create",),
    ),
)

BY_KEY: dict[tuple[str, str], Resource] = {r.key: r for r in RESOURCES}
GROUPS: dict[str, tuple[str, ...]] = {}
for _r in RESOURCES:
    if _r.group:
        GROUPS.setdefault(_r.group, ())
        GROUPS[_r.group] = tuple(dict.fromkeys(GROUPS[_r.group] + _r.versions))

NODES = BY_KEY[("", "nodes")]
PODS = BY_KEY[("", "pods")]
NAMESPACES = BY_KEY[("", "namespaces")]
DEPLOYMENTS = BY_KEY[("apps", "deployments")]
REPLICASETS = BY_KEY[("apps", "replicasets")]
STATEFULSETS = BY_KEY[("apps", "statefulsets")]
DAEMONSETS = BY_KEY[("apps", "daemonsets")]
PDBS = BY_KEY[("policy", "poddisruptionbudgets")]
HPAS = BY_KEY[("autoscaling", "horizontalpodautoscalers")]
LEASES = BY_KEY[("coordination.k8s.io", "leases")]
SCALEDOBJECTS = BY_KEY[("keda.sh", "scaledobjects")]
KUSTOMIZATIONS = BY_KEY[("kustomize.toolkit.fluxcd.io", "kustomizations")]
APPLICATIONS = BY_KEY[("argoproj.io", "applications")]


def lookup(group: str, version: str, plural: str) -> Resource | None:
    """The resource served at ``/apis/<group>/<version>/<plural>``, if any."""
    res = BY_KEY.get((group, plural))
    return res if res is not None and version in res.versions else None


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    """The ``APIResourceList`` of one group version (None when not served)."""
    items: list[dict[str, Any]] = []
    for res in RESOURCES:
        if res.group != group or version not in res.versions:
            continue
        entry: dict[str, Any] = {
            "name": res.plural,
            "singularName": res.singular,
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            entry["shortNames"] = list(res.short_names)
        if res.categories:
            entry["categories"] = list(res.categories)
        items.append(entry)
        for sub, (sgroup, sversion, skind, sverbs) in res.subresources.items():
            sub_entry: dict[str, Any] = {
                "name": f"{res.plural}/{sub}",
                "singularName": "",
                "namespaced": res.namespaced,
                "kind": skind,
                "verbs": list(sverbs),
            }
            if sgroup or sversion:
                sub_entry["group"] = sgroup
                sub_entry["version"] = sversion
            items.append(sub_entry)
    if not items:
        return None
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": items}


def api_group(group: str) -> dict[str, Any]:
    """The ``APIGroup`` document of one group."""
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in GROUPS[group]]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": versions,
        "preferredVersion": versions[0],
    }


def api_group_list() -> dict[str, Any]:
    """``/apis``."""
    groups = [
        {k: v for k, v in api_group(g).items() if k not in ("kind", "apiVersion")} for g in GROUPS
    ]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_versions(address: str) -> dict[str, Any]:
    """``/api``."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def version_info() -> dict[str, str]:
    """``/version``."""
    return {
        **KUBE_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }
