"""Rarely used ARM shapes of the twin: the (empty) Real User Measurements heat map."""

from __future__ import annotations

import datetime as dt

from drillkit.sandbox.tm.arm_render import endpoint_id
from drillkit.sandbox.tm.state import PROFILE_TYPE, Json, Profile


def heat_map(profile: Profile, heat_map_type: str) -> Json:
    """A heat map over the last week; the twin records no real user traffic, so no flows."""
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = end - dt.timedelta(days=7)
    return {
        "id": f"{profile.id}/heatMaps/{heat_map_type}",
        "name": heat_map_type,
        "type": f"{PROFILE_TYPE}/heatMaps/{heat_map_type}",
        "properties": {
            "startTime": start.isoformat().replace("+00:00", "Z"),
            "endTime": end.isoformat().replace("+00:00", "Z"),
            "endpoints": [
                {"endpointId": i, "resourceId": endpoint_id(profile, e)}
                for i, e in enumerate(profile.endpoints)
            ],
            "trafficFlows": [],
        },
    }
