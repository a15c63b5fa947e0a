"""The HTTP check through a region: observe.http.url goes as written to the region's ingress;
a path goes with the profile's name as Host."""

from __future__ import annotations

from drillkit.adapters.ports import Target
from drillkit.engine.observe import http_target
from tests.engine.fakes import make_drill


def test_a_url_is_sent_as_written_through_the_region() -> None:
    """Problem 11: the engine hands the adapter the whole URL (scheme, port, query) and the
    region's ingress, not just the URL's path (round 1 kept only the path)."""
    drill = make_drill(observe={**_observe(), "http": {"url": "http://shop.test:8080/h?deep=1"}})
    target = http_target(drill, "us", "myapp.trafficmanager.net")
    assert target == Target(
        target=drill.regions["us"].ingress, url="http://shop.test:8080/h?deep=1"
    )


def test_a_path_is_asked_of_the_ingress_with_the_profile_name() -> None:
    """With a path, the check asks the region's ingress with the profile's name as Host."""
    drill = make_drill(observe={**_observe(), "http": {"path": "/healthz"}})
    target = http_target(drill, "eu", "myapp.trafficmanager.net")
    assert target == Target(
        target=drill.regions["eu"].ingress, host_header="myapp.trafficmanager.net", path="/healthz"
    )


def _observe() -> dict[str, object]:
    return make_drill().model_dump(mode="json", by_alias=True)["observe"]  # type: ignore[no-any-return]
