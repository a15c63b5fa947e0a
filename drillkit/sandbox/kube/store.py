"""The twin's object store: one resourceVersion counter, change history and watch fan-out.

Stored objects are never mutated in place: a write stores a new dict, so readers may serialize
what they get without copying, and writers copy first (``clone``).
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from drillkit.sandbox.kube import managed
from drillkit.sandbox.kube.resources import BY_KEY

Obj = dict[str, Any]
Key = tuple[str, str]  # (group, plural)
HISTORY = 20_000
# ``?dryRun=All``: set for one request's task; writes then return their result unstored.
DRY_RUN: ContextVar[bool] = ContextVar("dry_run", default=False)


def now_iso() -> str:
    """RFC 3339 seconds, as Kubernetes timestamps are written."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clone(obj: Obj) -> Obj:
    """A deep copy a writer may change."""
    return copy.deepcopy(obj)


@dataclass
class Event:
    """One change: ADDED, MODIFIED or DELETED, at resourceVersion ``rv``."""

    rv: int
    key: Key
    type: str
    obj: Obj


@dataclass
class Watcher:
    """A watch stream's mailbox; ``None`` in the queue ends the stream."""

    key: Key
    accept: Callable[[Obj], bool]
    queue: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)


def _record_fields(key: Key, old: Obj | None, new: Obj) -> None:
    """managedFields for a write by the current ``managed.WRITER`` (kept as sent without one)."""
    writer = managed.WRITER.get()
    meta = new["metadata"]
    if writer is None:
        kept = old["metadata"].get("managedFields") if old is not None else None
        if kept and "managedFields" not in meta:
            meta["managedFields"] = kept
        return
    res = BY_KEY.get(key)
    has_status = res is not None and "status" in res.subresources
    fields = managed.track(old, new, writer, has_status=has_status, now=now_iso())
    if fields:
        meta["managedFields"] = fields
    else:
        meta.pop("managedFields", None)


class Store:
    """All objects of one cluster, keyed by resource then (namespace, name)."""

    def __init__(self) -> None:
        self._rv = 1
        self._objects: dict[Key, dict[tuple[str, str], Obj]] = {}
        self._history: deque[Event] = deque(maxlen=HISTORY)
        self._watchers: list[Watcher] = []
        self._listeners: list[Callable[[Event], None]] = []

    @property
    def resource_version(self) -> int:
        return self._rv

    @property
    def oldest_rv(self) -> int:
        return self._history[0].rv if self._history else self._rv

    def on_change(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener`` synchronously after every write (controllers use it)."""
        self._listeners.append(listener)

    def get(self, key: Key, namespace: str, name: str) -> Obj | None:
        return self._objects.get(key, {}).get((namespace, name))

    def items(self, key: Key, namespace: str | None = None) -> Iterator[Obj]:
        for (ns, _), obj in self._objects.get(key, {}).items():
            if namespace is None or ns == namespace:
                yield obj

    def count(self, key: Key) -> int:
        return len(self._objects.get(key, {}))

    def _bump(self) -> str:
        self._rv += 1
        return str(self._rv)

    def create(self, key: Key, obj: Obj, *, generation: bool = False) -> Obj:
        """Store a new object, filling uid, resourceVersion and creationTimestamp."""
        meta = obj.setdefault("metadata", {})
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        if generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        _record_fields(key, None, obj)
        if DRY_RUN.get():
            return obj
        meta["resourceVersion"] = self._bump()
        self._objects.setdefault(key, {})[(meta.get("namespace", ""), meta["name"])] = obj
        self._emit(Event(self._rv, key, "ADDED", obj))
        return obj

    def replace(self, key: Key, obj: Obj, *, generation: bool = False) -> Obj:
        """Store a new version of an existing object; bump generation when its spec changed."""
        meta = obj["metadata"]
        ident = (meta.get("namespace", ""), meta["name"])
        old = self._objects[key][ident]
        if meta is old["metadata"]:  # a shallow copy of the stored object: leave it as it was
            meta = obj["metadata"] = dict(meta)
        if generation:
            gen = old["metadata"].get("generation", 1)
            changed = old.get("spec") != obj.get("spec")
            meta["generation"] = gen + 1 if changed else gen
        _record_fields(key, old, obj)
        if DRY_RUN.get():
            return obj
        meta["resourceVersion"] = self._bump()
        self._objects[key][ident] = obj
        self._emit(Event(self._rv, key, "MODIFIED", obj))
        return obj

    def delete(self, key: Key, namespace: str, name: str) -> Obj | None:
        """Remove an object; the DELETED event carries a fresh resourceVersion."""
        if DRY_RUN.get():
            return self._objects.get(key, {}).get((namespace, name))
        old = self._objects.get(key, {}).pop((namespace, name), None)
        if old is None:
            return None
        gone = dict(old)
        gone["metadata"] = {**old["metadata"], "resourceVersion": self._bump()}
        self._emit(Event(self._rv, key, "DELETED", gone))
        return gone

    def _emit(self, event: Event) -> None:
        self._history.append(event)
        for watcher in self._watchers:
            if watcher.key == event.key and watcher.accept(event.obj):
                watcher.queue.put_nowait(event)
        for listener in self._listeners:
            listener(event)

    def watch(self, key: Key, accept: Callable[[Obj], bool], since: int) -> Watcher:
        """Register a watcher and queue every stored change after ``since``."""
        watcher = Watcher(key, accept)
        for event in self._history:
            if event.rv > since and event.key == key and accept(event.obj):
                watcher.queue.put_nowait(event)
        self._watchers.append(watcher)
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def close_watchers(self) -> None:
        """End every open watch stream (server shutdown)."""
        for watcher in self._watchers:
            watcher.queue.put_nowait(None)
        self._watchers.clear()
