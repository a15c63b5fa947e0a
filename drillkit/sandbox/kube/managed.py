"""``metadata.managedFields``: which field manager last wrote which field, as the API server
records it for Update operations (create, update, the three patch types, /status and /scale).

The rules follow the API server's field manager (kubernetes/apiserver
pkg/endpoints/handlers/fieldmanager, on sigs.k8s.io/structured-merge-diff's Updater):
- the manager is ``?fieldManager=`` or else the User-Agent up to its first "/"
  (``prefixFromUserAgent``), so the Python client is ``OpenAPI-Generator``;
- a write compares the live object with the new one; the writer's entry gains every added or
  modified field, every other manager loses them, removed fields leave every entry, and an
  entry left empty is dropped;
- one entry per (manager, operation, subresource) (``subresource`` exists from 1.22 on, the
  version the twin reports is newer); ``time`` moves when the entry's field set changes;
- entries are sorted Apply first, then by time, then by manager name;
- a request that sends no managedFields (or ``[]``) keeps the live ones; ``[{}]`` strips them
  (kubernetes.io/docs/reference/using-api/server-side-apply/, "Clearing managedFields").

Field sets are written in FieldsV1 form: ``f:<field>`` for object fields, ``k:{...}`` for items
of lists merged by key, ``v:<json>`` for items of set-like lists, ``.`` for an item or map that
is itself owned. Which manager owns which leaf is exact for the types the twin serves; the ``.``
markers of maps follow a short list of known map fields (the twin has no OpenAPI schema).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from drillkit.sandbox.kube.status import invalid

Path = tuple[str, ...]
_MISSING = object()
# Items of these lists are merged by key (the strategic-merge keys of the twin's types).
LIST_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "ports": ("containerPort", "protocol"),
    "imagePullSecrets": ("name",),
    "conditions": ("type",),
    "addresses": ("type",),
    "ownerReferences": ("uid",),
    "hostAliases": ("ip",),
    "taints": ("key", "effect"),
}
SET_LISTS = {"finalizers"}
# map[string]... fields: the map itself is owned too (a "." entry), unlike a struct.
MAP_FIELDS = {
    "labels",
    "annotations",
    "nodeSelector",
    "matchLabels",
    "requests",
    "limits",
    "capacity",
    "allocatable",
    "data",
}
# Server-set or identity metadata that no manager owns.
UNTRACKED_META = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
}
MAX_MANAGER = 128


@dataclass(frozen=True)
class Writer:
    """Who writes: a field manager, Update (or Apply), and the subresource written through."""

    manager: str
    subresource: str = ""
    operation: str = "Update"


WRITER: ContextVar[Writer | None] = ContextVar("field_writer", default=None)


@contextlib.contextmanager
def writing(manager: str, subresource: str = "", operation: str = "Update") -> Iterator[None]:
    """Store writes inside this block are recorded as ``manager``'s (through ``subresource``)."""
    token = WRITER.set(Writer(manager, subresource, operation))
    try:
        yield
    finally:
        WRITER.reset(token)


def manager_for(field_manager: str | None, user_agent: str | None) -> str:
    """``?fieldManager=`` when given, else the User-Agent's prefix; 422 when too long."""
    if field_manager:
        if len(field_manager) > MAX_MANAGER or not field_manager.isprintable():
            raise invalid(
                "",
                "",
                "",
                [
                    (
                        "fieldManager",
                        f'Invalid value: "{field_manager}": must be less than 128 characters',
                    )
                ],
            )
        return field_manager
    return (user_agent or "").split("/", 1)[0][:MAX_MANAGER]


def _key_of(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    present = {k: item[k] for k in keys if k in item}
    return "k:" + json.dumps(present, separators=(",", ":"), sort_keys=True)


def leaves(value: Any, prefix: Path = (), field: str = "") -> dict[Path, Any]:
    """Every owned path of ``value`` and its value (None for "." markers)."""
    out: dict[Path, Any] = {}
    if isinstance(value, dict) and value:
        if field in MAP_FIELDS:
            out[(*prefix, ".")] = None
        for key, child in value.items():
            if child is not None:  # a null is an unset field, as the server decodes it
                out.update(leaves(child, (*prefix, f"f:{key}"), key))
        return out
    if isinstance(value, list) and value and field in SET_LISTS:
        for item in value:
            out[(*prefix, "v:" + json.dumps(item, separators=(",", ":")))] = None
        return out
    keys = LIST_KEYS.get(field)
    if (
        isinstance(value, list)
        and value
        and keys
        and all(isinstance(i, dict) and keys[0] in i for i in value)
    ):
        for item in value:
            item_path = (*prefix, _key_of(item, keys))
            out[(*item_path, ".")] = None
            for key, child in item.items():
                if child is not None:
                    out.update(leaves(child, (*item_path, f"f:{key}"), key))
        return out
    out[prefix] = value
    return out


def _view(obj: dict[str, Any] | None, subresource: str, has_status: bool) -> dict[str, Any]:
    """The part of an object a write through ``subresource`` may own."""
    if obj is None:
        return {}
    if subresource == "scale":
        replicas = (obj.get("spec") or {}).get("replicas")
        return {} if replicas is None else {"spec": {"replicas": replicas}}
    view: dict[str, Any] = {}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in UNTRACKED_META}
    if meta:
        view["metadata"] = meta
    for top in ("spec", "status", "data", "rules", "subsets", "roleRef", "subjects"):
        if top not in obj:
            continue
        if top == "status" and has_status and subresource != "status":
            continue
        if top != "status" and subresource == "status":
            continue
        view[top] = obj[top]
    return view


def changes(old: Any, new: Any, prefix: Path = (), field: str = "") -> tuple[set[Path], set[Path]]:
    """(added or modified, removed) owned paths from ``old`` to ``new``; equal subtrees are
    skipped without being walked (most writes change a small part of an object)."""
    if old is new or old == new:
        return set(), set()
    if not (isinstance(old, dict) and isinstance(new, dict) and old and new):
        before = leaves(old, prefix, field) if old is not _MISSING else {}
        after = leaves(new, prefix, field) if new is not _MISSING else {}
        changed = {p for p, v in after.items() if p and before.get(p, _MISSING) != v}
        return changed, {p for p in before if p and p not in after}
    changed, removed = set(), set()
    for key in {**old, **new}:
        a, b = old.get(key), new.get(key)
        sub_changed, sub_removed = changes(
            _MISSING if a is None else a, _MISSING if b is None else b, (*prefix, f"f:{key}"), key
        )
        changed |= sub_changed
        removed |= sub_removed
    return changed, removed


def to_fields_v1(paths: set[Path]) -> dict[str, Any]:
    """A set of paths as the nested FieldsV1 document."""
    root: dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for part in path:
            node = node.setdefault(part, {})
    return root


_PARSED: dict[int, tuple[Any, frozenset[Path]]] = {}


def parsed(doc: Any) -> frozenset[Path]:
    """``from_fields_v1`` of a stored entry's document, cached by identity (stored objects are
    never changed in place, and entries are carried from version to version unchanged)."""
    hit = _PARSED.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    if len(_PARSED) > 50_000:
        _PARSED.clear()
    paths = frozenset(from_fields_v1(doc))
    _PARSED[id(doc)] = (doc, paths)
    return paths


def from_fields_v1(doc: Any, prefix: Path = ()) -> set[Path]:
    """The leaf paths of a FieldsV1 document."""
    if not isinstance(doc, dict) or not doc:
        return {prefix} if prefix else set()
    out: set[Path] = set()
    for key, child in doc.items():
        out |= from_fields_v1(child, (*prefix, key))
    return out


def _sort_key(entry: dict[str, Any]) -> tuple[bool, str, str]:
    return (entry.get("operation") != "Apply", entry.get("time") or "", entry.get("manager", ""))


def track(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    writer: Writer,
    *,
    has_status: bool,
    now: str,
) -> list[dict[str, Any]]:
    """The managedFields ``new`` gets when ``writer`` turns ``old`` into it."""
    sent = (new.get("metadata") or {}).get("managedFields", _MISSING)
    if isinstance(sent, list) and sent and all(e == {} for e in sent):
        return []  # [{}] strips them; [] is ignored so that unaware clients never strip them
    if isinstance(sent, list) and sent:
        base = [dict(e) for e in sent if isinstance(e, dict)]
    else:
        base = [dict(e) for e in ((old or {}).get("metadata") or {}).get("managedFields") or []]
    changed, removed = changes(
        _view(old, writer.subresource, has_status), _view(new, writer.subresource, has_status)
    )
    if not changed and not removed:
        return sorted(base, key=_sort_key)
    # A removed map or item takes its children with it in every entry.
    entries: list[dict[str, Any]] = []
    mine: dict[str, Any] | None = None
    for entry in base:
        paths = parsed(entry.get("fieldsV1"))
        ident = (entry.get("manager", ""), entry.get("operation"), entry.get("subresource", ""))
        if ident == (writer.manager, writer.operation, writer.subresource):
            mine = entry
            continue
        kept = {p for p in paths if p not in changed and not (removed and _under(p, removed))}
        if kept != paths:
            entry["fieldsV1"] = to_fields_v1(kept)
        if kept:
            entries.append(entry)
    owned = parsed(mine.get("fieldsV1")) if mine else frozenset()
    now_owned = {p for p in owned | changed if not _under(p, removed)}
    if now_owned:
        entry = {
            "manager": writer.manager,
            "operation": writer.operation,
            "apiVersion": new.get("apiVersion", ""),
            "time": now if (mine is None or now_owned != owned) else mine.get("time", now),
            "fieldsType": "FieldsV1",
            "fieldsV1": (
                mine["fieldsV1"]
                if mine is not None and now_owned == owned
                else to_fields_v1(now_owned)
            ),
        }
        if writer.subresource:
            entry["subresource"] = writer.subresource
        entries.append(entry)
    return sorted(entries, key=_sort_key)


def _under(path: Path, removed: set[Path]) -> bool:
    return any(path[: len(r)] == r for r in removed)


def owner_of(obj: dict[str, Any], *path: str) -> dict[str, Any] | None:
    """The entry that owns a field, e.g. ``owner_of(deployment, "spec", "replicas")``."""
    wanted = tuple(f"f:{p}" for p in path)
    for entry in (obj.get("metadata") or {}).get("managedFields") or []:
        if any(p[: len(wanted)] == wanted for p in from_fields_v1(entry.get("fieldsV1"))):
            return dict(entry)
    return None
