"""Replays every Microsoft example in the fixtures folder against the ARM twin."""

from __future__ import annotations

import json
import ssl
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pytest

from drillkit.sandbox.world import World
from tests.twin.tm.conftest import TwinThread

# Microsoft's swagger and examples live beside the repository, in the shared design folder.
FIXTURES = Path(__file__).resolve().parents[4] / "shared/fixtures/trafficmanager/2022-04-01"
if not (FIXTURES / "trafficmanager.json").is_file():
    pytest.skip(f"Microsoft's examples are not at {FIXTURES}", allow_module_level=True)
EXAMPLES = sorted(p for p in FIXTURES.glob("*.json") if p.name != "trafficmanager.json")
READ_ONLY = ("endpointMonitorStatus", "profileMonitorStatus", "fqdn")


def _operations() -> dict[str, tuple[str, str]]:
    """Example file name -> (path template, HTTP method), from the swagger's x-ms-examples."""
    swagger = json.loads((FIXTURES / "trafficmanager.json").read_text())
    found: dict[str, tuple[str, str]] = {}
    for path, methods in swagger["paths"].items():
        for method, operation in methods.items():
            for example in operation.get("x-ms-examples", {}).values():
                found[Path(example["$ref"]).name] = (path, method.upper())
    return found


def _url(template: str, params: dict[str, Any]) -> str:
    path = template
    for name, raw in params.items():
        if isinstance(raw, str):
            quoted = raw if "%" in raw else urllib.parse.quote(raw, safe="")
            path = path.replace("{" + name + "}", quoted)
    return f"{path}?api-version={params['api-version']}"


def _strip(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _strip(v) for k, v in body.items() if k not in READ_ONLY}
    if isinstance(body, list):
        return [_strip(v) for v in body]
    return body


def _missing(documented: Any, ours: Any, where: str = "$") -> list[str]:
    """Keys of the documented shape that our response lacks (lists compared by first item)."""
    if isinstance(documented, dict):
        if not isinstance(ours, dict):
            return [f"{where} is not an object"]
        gaps = [f"{where}.{k}" for k in documented if k not in ours]
        for key in documented:
            if key in ours:
                gaps += _missing(documented[key], ours[key], f"{where}.{key}")
        return gaps
    if isinstance(documented, list) and documented and isinstance(ours, list) and ours:
        return _missing(documented[0], ours[0], f"{where}[0]")
    return []


def _prepare(client: httpx.Client, example: dict[str, Any], url: str, method: str) -> None:
    """Create what the example presumes exists (its profile, endpoint or key)."""
    params = example["parameters"]
    ok = next(iter(example["responses"].values())).get("body") or {}
    api = f"?api-version={params['api-version']}"
    if "value" in ok:
        for item in ok["value"]:
            profile = _strip(item)
            client.put(item["id"].replace("{subscription-id}", "%7Bsubscription-id%7D") + api,
                       json=profile).raise_for_status()  # fmt: skip
        return
    if ("profileName" in params and method != "PUT") or "endpointName" in params:
        base = url.split("?", maxsplit=1)[0].split("/trafficmanagerprofiles/", maxsplit=1)[0]
        relative = str(params["profileName"]).lower()
        profile_url = f"{base}/trafficmanagerprofiles/{params['profileName']}{api}"
        body = {"location": "global", "properties": {
            "trafficRoutingMethod": "Geographic" if "geoMapping" in json.dumps(ok) else "Priority",
            "dnsConfig": {"relativeName": relative, "ttl": 30},
            "monitorConfig": {"protocol": "HTTP", "port": 80, "path": "/"}}}  # fmt: skip
        if "trafficRoutingMethod" in ok.get("properties", {}):
            body = _strip(ok)
        client.put(profile_url, json=body).raise_for_status()
    if "endpointName" in params and method != "PUT":
        client.put(
            url, json=_strip(ok) or {"properties": {"target": "x.example"}}
        ).raise_for_status()
    if example.get("operationId", "").endswith("V2") and not ok.get("nameAvailable", True):
        name = params["parameters"]["name"]
        taken = {
            "location": "global",
            "properties": {
                "trafficRoutingMethod": "Priority",
                "dnsConfig": {"relativeName": name},
                "monitorConfig": {"protocol": "TCP", "port": 443},
            },
        }
        profiles = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
        client.put(f"{profiles}/trafficmanagerprofiles/{name}{api}", json=taken).raise_for_status()
    if "UserMetricsKeys" in url and method != "PUT":
        client.put(url).raise_for_status()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_answered_as_documented(fast_world: World, tmp_path: Path, path: Path) -> None:
    """The twin answers the example with a documented status and the documented body shape."""
    with TwinThread(fast_world, tmp_path) as twin:
        _replay(twin, path)


def _replay(twin: TwinThread, path: Path) -> None:
    example = json.loads(path.read_text())
    template, method = _operations()[path.name]
    url = _url(template, example["parameters"])
    keys = twin.keys["trafficManager"]
    verify = ssl.create_default_context(cafile=keys["caFile"])
    with httpx.Client(base_url=keys["armUrl"], verify=verify, headers={
            "Authorization": f"Bearer {keys['token']}"}) as client:  # fmt: skip
        _prepare(client, example, url, method)
        body = example["parameters"].get("parameters")
        response = client.request(method, url, json=body)
        documented = {int(code) for code in example["responses"]}
        assert response.status_code in documented, response.text
        expected = example["responses"][str(response.status_code)].get("body")
        if expected:
            assert _missing(expected, response.json()) == []
