"""Which run a command means: a run id, a unique prefix of one, a journal path, or --latest."""

from __future__ import annotations

from pathlib import Path

from drillkit.engine.runs import RunStore
from drillkit.errors import DrillkitError

_SHOWN = 5


class AmbiguousRun(DrillkitError):
    """A prefix names more than one run."""


def resolve_run(store: RunStore, ref: str | None, *, latest: bool = False) -> Path:
    """The journal of the run ``ref`` names (exactly, or as the one run id it prefixes), or of
    the most recent run with ``latest``. Errors say what matched and what to type instead."""
    if latest:
        if ref is not None:
            raise DrillkitError("name a run or pass --latest, not both")
        return store.latest().journal
    if ref is None:
        raise DrillkitError("name a run (a run id, a unique prefix of one, a journal) or --latest")
    try:
        return store.find(ref)
    except DrillkitError as missing:
        matches = [s for s in store.list() if s.run_id.startswith(ref)] if ref else []
        if len(matches) == 1:
            return matches[0].journal
        if not matches:
            raise missing from None
        names = ", ".join(s.run_id for s in matches[-_SHOWN:][::-1])
        more = f" and {len(matches) - _SHOWN} more" if len(matches) > _SHOWN else ""
        raise AmbiguousRun(
            f"{ref!r} is the start of {len(matches)} run ids ({names}{more}); "
            "type more of the one you mean"
        ) from None
