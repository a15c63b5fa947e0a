"""Who last wrote a Traffic Manager profile or endpoint: ARM's ``systemData.lastModifiedBy``.

ARM keeps no ``managedFields``; its ``systemData`` names the last writer (and its type) of each
resource, which the adapter reads into ``DesignProfile.modified_by`` and
``DesignEndpoint.modified_by``. The disable-endpoint fault (who re-enabled an endpoint) and the
manual fault (who changed what) both name the writer through ``modified_by`` here.
"""

from __future__ import annotations

from collections.abc import Iterator

from drillkit.core.design import DesignProfile
from drillkit.engine.faults.base import World


def profiles(root: DesignProfile) -> Iterator[DesignProfile]:
    """``root`` and every nested child profile, depth first."""
    yield root
    for e in root.endpoints:
        if e.child is not None:
            yield from profiles(e.child)


def modified_by(world: World, profile: str, endpoint: tuple[str, str] | None = None) -> str | None:
    """``lastModifiedBy`` of profile ``profile``, or of its endpoint ``(type, name)``; None
    where Azure does not say (or the resource is gone)."""
    for p in profiles(world.tm.design()):
        if p.name != profile:
            continue
        if endpoint is None:
            return p.modified_by or None
        for e in p.endpoints:
            if (e.type, e.name) == endpoint:
                return e.modified_by or None
    return None
