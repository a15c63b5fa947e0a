"""Every mutation runs between a journalled intent and a journalled result."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from drillkit.engine.journal import Journal
from drillkit.engine.records import Intent, Result
from drillkit.errors import AdapterError

T = TypeVar("T")


class Mutator:
    """Runs one mutation between a journalled ``Intent`` and a journalled ``Result``."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def do(self, action: str, fn: Callable[[], T], **fields: Any) -> T:
        """Journal ``Intent(action, **fields)``, run ``fn``, journal its ``Result``."""
        with self._lock:
            mutation_id = f"m{next(self._ids)}"
        self.journal.append(Intent(id=mutation_id, action=action, **fields))
        try:
            result = fn()
        except AdapterError as e:
            self.journal.append(Result(id=mutation_id, ok=False, detail=str(e)))
            raise
        self.journal.append(
            Result(
                id=mutation_id,
                ok=True,
                detail=_detail(result),
                pdb=getattr(result, "pdb", "") or None,
                blocked_s=getattr(result, "blocked_s", None),
            )
        )
        return result


def _detail(result: Any) -> str:
    """The result's outcome, and for a blocked eviction what blocked it (the budget)."""
    outcome = getattr(result, "outcome", None)
    if outcome is None:
        return ""
    value = str(getattr(outcome, "value", outcome))
    pdb = getattr(result, "pdb", "")
    blocked_s = getattr(result, "blocked_s", None)
    if blocked_s is not None and value != "blocked":  # e.g. evicted once the budget allowed it
        by = f" by PodDisruptionBudget {pdb}" if pdb else ""
        return f"{value} after {blocked_s:.1f} s blocked{by}"
    if pdb:
        return f"{value} by PodDisruptionBudget {pdb}"
    message = getattr(result, "message", "")
    return f"{value}: {message}" if value == "blocked" and message else value
