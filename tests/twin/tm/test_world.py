"""World-file rules of the Traffic Manager parts: geography and geoMapping codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillkit.errors import DrillkitError
from drillkit.sandbox.world import DEFAULT_WORLD, load_world


def _world_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_WORLD.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "world.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_default_world_declares_the_documented_setup() -> None:
    """The default world: Geographic myapp over nested Priority children, 10 s/5 s/3, TTL 30."""
    world = load_world()
    tm = world.traffic_manager
    top = next(p for p in tm.profiles if p.name == "myapp")
    assert top.routing_method == "Geographic"
    assert {e.target: e.geo_mapping for e in top.endpoints} == {
        "myapp-na": ["GEO-NA"],
        "myapp-eu": ["GEO-EU", "WORLD"],
    }
    monitor = tm.monitor
    assert (monitor.interval_in_seconds, monitor.timeout_in_seconds) == (10, 5)
    assert monitor.tolerated_number_of_failures == 3
    assert {p.ttl for p in tm.profiles} == {30}
    assert world.time_scale == 0.1


def test_unknown_state_is_refused_with_its_line(tmp_path: Path) -> None:
    """A state that is not under its country in the hierarchy is a located world error."""
    path = _world_with(tmp_path, "state: US-NY", "state: US-ZZ")
    with pytest.raises(DrillkitError) as caught:
        load_world(path)
    assert "state US-ZZ is not under US in the hierarchy" in str(caught.value)
    assert "world.yaml:" in str(caught.value)


def test_unknown_geo_mapping_is_refused(tmp_path: Path) -> None:
    """A geoMapping code outside the hierarchy is refused when the world loads."""
    path = _world_with(tmp_path, "geoMapping: [GEO-NA]", "geoMapping: [GEO-XX]")
    with pytest.raises(DrillkitError) as caught:
        load_world(path)
    assert "not in Traffic Manager's geographic hierarchy: GEO-XX" in str(caught.value)
