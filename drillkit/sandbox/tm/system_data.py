"""ARM's ``systemData`` on the twin's profiles and endpoints: who created each one and who last
modified it, in the shape of Azure's common SystemData type (createdBy, createdByType,
createdAt, lastModifiedBy, lastModifiedByType, lastModifiedAt).

The twin has one ARM token, so every write is made by one identity, ``CALLER``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from drillkit.sandbox.tm.state import Json, Profile

CALLER = "sandbox-operator@sandbox.test"
"""The identity behind the twin's ARM token (a user, as after ``az login``)."""
CALLER_TYPE = "User"
"""One of Azure's identity types: User, Application, ManagedIdentity, Key."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stamp(previous: Json | None, by: str = CALLER, by_type: str = CALLER_TYPE) -> Json:
    """The systemData of a resource written now by ``by`` (created now, unless it existed)."""
    at = _now()
    before = previous or {}
    return {
        "createdBy": before.get("createdBy", by),
        "createdByType": before.get("createdByType", by_type),
        "createdAt": before.get("createdAt", at),
        "lastModifiedBy": by,
        "lastModifiedByType": by_type,
        "lastModifiedAt": at,
    }


def stamp_profile(profile: Profile, existing: Profile | None) -> None:
    """A profile written now; its endpoints keep their systemData unless they changed."""
    profile.system_data = stamp(existing.system_data if existing else None)
    old = {e.name.lower(): e for e in existing.endpoints} if existing else {}
    for endpoint in profile.endpoints:
        before = old.get(endpoint.name.lower())
        unchanged = before is not None and (before.kind, before.properties) == (
            endpoint.kind,
            endpoint.properties,
        )
        if before is not None and unchanged:
            endpoint.system_data = before.system_data
        else:
            endpoint.system_data = stamp(before.system_data if before else None)
