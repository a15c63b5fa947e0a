"""The shape of a fault's description."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FaultText:
    """Everything a plan or a report says about one fault."""

    headline: str
    """The fault in one line with the settings that change its behaviour (reports)."""
    inject_summary: str
    """The plan's inject step, in one sentence."""
    inject: tuple[str, ...]
    """The plan's inject step, in detail."""
    snapshot: tuple[str, ...]
    """What the snapshot step records."""
    notes: tuple[str, ...] = ()
    """What the operator should know before running it."""
    ask: tuple[str, ...] = ()
    """What a person must do when inject begins (``manual``): ``run`` shows it then."""


def selector_text(selector: Mapping[str, str]) -> str:
    """`` matching a=b,c=d`` or `` (all nodes)``."""
    if not selector:
        return " (all nodes)"
    return " matching " + ",".join(f"{k}={v}" for k, v in selector.items())
