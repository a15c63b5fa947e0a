"""ARM's systemData on the twin: who created each profile and endpoint and who last changed it,
in the shape of Azure's common SystemData type.

https://learn.microsoft.com/en-us/javascript/api/@azure/arm-recoveryservicesdatareplication/systemdatamodel
"lastModifiedBy: Gets or sets the identity that last modified the resource."
"lastModifiedByType: Gets or sets the type of identity that last modified the resource: user,
application, managedIdentity."
"""

from __future__ import annotations

import time

import httpx

from drillkit.sandbox.tm.system_data import CALLER
from tests.twin.tm.conftest import TwinThread

SANDBOX = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sandbox"
PROFILES = f"{SANDBOX}/providers/Microsoft.Network/trafficmanagerprofiles"
API = "?api-version=2026-09-01"
KEYS = {"createdBy", "createdByType", "createdAt", "lastModifiedBy", "lastModifiedByType",
        "lastModifiedAt"}  # fmt: skip


def test_an_endpoint_change_moves_last_modified_and_keeps_created(
    twin: TwinThread, arm: httpx.Client
) -> None:
    """PATCHing an endpoint stamps lastModifiedBy/At; createdAt stays; the profile's own
    systemData is left as it was."""
    url = f"{PROFILES}/myapp-na/ExternalEndpoints/us{API}"
    before = arm.get(url).json()["systemData"]
    profile_before = arm.get(f"{PROFILES}/myapp-na{API}").json()["systemData"]
    assert set(before) == KEYS and before["lastModifiedByType"] == "User"
    time.sleep(0.01)
    patched = arm.patch(url, json={"properties": {"endpointStatus": "Disabled"}})
    try:
        assert patched.status_code == 200, patched.text
        after = arm.get(url).json()["systemData"]
        assert after["lastModifiedBy"] == CALLER
        assert after["createdAt"] == before["createdAt"]
        assert after["lastModifiedAt"] > before["lastModifiedAt"]
        assert arm.get(f"{PROFILES}/myapp-na{API}").json()["systemData"] == profile_before
    finally:
        arm.patch(url, json={"properties": {"endpointStatus": "Enabled"}})
