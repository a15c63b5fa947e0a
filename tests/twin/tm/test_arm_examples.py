"""Differential replay: every Microsoft example in the fixtures folder, at both api-versions the
twin serves, is answered with a documented status and the documented body shape; and the
error answers of the same operations have the swagger's CloudError shape."""

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


VERSIONS = ("2022-04-01", "2026-09-01")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_answered_as_documented(
    fast_world: World, tmp_path: Path, path: Path, version: str
) -> None:
    """The twin answers the example with a documented status and the documented body shape."""
    with TwinThread(fast_world, tmp_path) as twin:
        _replay(twin, path, version)


def _example(path: Path, version: str) -> dict[str, Any]:
    example: dict[str, Any] = json.loads(path.read_text())
    example["parameters"]["api-version"] = version
    return example


def _client(twin: TwinThread) -> httpx.Client:
    keys = twin.keys["trafficManager"]
    verify = ssl.create_default_context(cafile=keys["caFile"])
    return httpx.Client(
        base_url=keys["armUrl"], verify=verify, headers={"Authorization": f"Bearer {keys['token']}"}
    )


def _replay(twin: TwinThread, path: Path, version: str) -> None:
    example = _example(path, version)
    template, method = _operations()[path.name]
    url = _url(template, example["parameters"])
    with _client(twin) as client:
        _prepare(client, example, url, method)
        body = example["parameters"].get("parameters")
        response = client.request(method, url, json=body)
        documented = {int(code) for code in example["responses"]}
        assert response.status_code in documented, response.text
        expected = example["responses"][str(response.status_code)].get("body")
        if expected:
            assert _missing(expected, response.json()) == []


def _cloud_error_gaps(body: Any, where: str = "$.error") -> list[str]:
    """How ``body`` departs from the swagger's CloudErrorBody (code, message, target, details)."""
    swagger = json.loads((FIXTURES / "trafficmanager.json").read_text())
    allowed = set(swagger["definitions"]["CloudErrorBody"]["properties"])
    if not isinstance(body, dict):
        return [f"{where} is not an object"]
    gaps = [f"{where}.{k} is not in CloudErrorBody" for k in body if k not in allowed]
    gaps += [f"{where}.{k} is not a string" for k in ("code", "message")
             if not isinstance(body.get(k), str) or not body.get(k)]  # fmt: skip
    for i, detail in enumerate(body.get("details") or []):
        gaps += _cloud_error_gaps(detail, f"{where}.details[{i}]")
    return gaps


def _broken(method: str, params: dict[str, Any]) -> tuple[dict[str, Any] | None, int] | None:
    """A request body (or none) that the operation must refuse, and the status it must give."""
    if method in ("GET", "PATCH") and ("profileName" in params or "endpointName" in params):
        return (params.get("parameters"), 404)  # nothing was prepared: not found
    if method == "PUT" and "endpointName" in params:
        return ({"properties": {"target": "x.example", "endpointStatus": "Sideways"}}, 400)
    if method == "PUT" and "profileName" in params:
        body = json.loads(json.dumps(params["parameters"]))
        body["properties"]["trafficRoutingMethod"] = "Sideways"
        return (body, 400)
    if method == "POST" and "parameters" in params:
        return ({"name": "x", "type": "Microsoft.Network/somethingElse"}, 400)
    return None


ERRORS = [p for p in EXAMPLES if _broken(*_operations()[p.name][1:], json.loads(p.read_text())[
    "parameters"]) is not None]  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", ERRORS, ids=[p.stem for p in ERRORS])
def test_error_answer_has_the_cloud_error_shape(
    fast_world: World, tmp_path: Path, path: Path, version: str
) -> None:
    """The example's operation, sent something it must refuse (a missing resource, an invalid
    body), answers 404/400 with the swagger's CloudError body: {"error": {code, message}}."""
    example = _example(path, version)
    template, method = _operations()[path.name]
    broken = _broken(method, example["parameters"])
    assert broken is not None
    body, status = broken
    with TwinThread(fast_world, tmp_path) as twin, _client(twin) as client:
        if status == 400 and "endpointName" in example["parameters"]:
            _prepare(client, {**example, "parameters": {
                k: v for k, v in example["parameters"].items() if k != "endpointName"}},
                _url(template, example["parameters"]), "GET")  # fmt: skip
        response = client.request(method, _url(template, example["parameters"]), json=body)
        assert response.status_code == status, response.text
        assert set(response.json()) == {"error"}
        assert _cloud_error_gaps(response.json()["error"]) == []
