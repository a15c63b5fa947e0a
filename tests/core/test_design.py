"""The Traffic Manager design checks and predictions (pure): designs that can never fail over
are refused with the profile, endpoint and what to change; windows follow Microsoft's rules."""

from __future__ import annotations

from dataclasses import replace

from drillkit.core.design import (
    DesignEndpoint,
    DesignProfile,
    Monitor,
    design_refusals,
    predict,
    region_of_answer,
    render_tree,
)

INGRESSES = {"us": ("us.ingress.test", "20.51.4.10"), "eu": ("eu.ingress.test",)}
MONITOR = Monitor(protocol="HTTP", port=80, path="/healthz", interval_s=10, timeout_s=5)


def _leaf(name: str, target: str, priority: int = 1, **kw: object) -> DesignEndpoint:
    return DesignEndpoint(name, "ExternalEndpoints", target, priority=priority, **kw)  # type: ignore[arg-type]


def _short(host: str) -> str:
    return host.split(".", maxsplit=1)[0]


def _child(name: str, first: str, second: str) -> DesignProfile:
    return DesignProfile(
        name,
        "Priority",
        30,
        MONITOR,
        endpoints=(
            _leaf(first.split(".", maxsplit=1)[0], first, 1),
            _leaf(second.split(".", maxsplit=1)[0], second, 2),
        ),
    )


def _nested(name: str, child: DesignProfile, geo: tuple[str, ...], **kw: object) -> DesignEndpoint:
    return DesignEndpoint(name, "NestedEndpoints", child.name, geo_mapping=geo, child=child, **kw)  # type: ignore[arg-type]


GOOD = DesignProfile(
    "myapp",
    "Geographic",
    30,
    MONITOR,
    endpoints=(
        _nested("na", _child("myapp-na", "us.ingress.test", "eu.ingress.test"), ("GEO-NA",)),
        _nested("eu", _child("myapp-eu", "eu.ingress.test", "us.ingress.test"), ("GEO-EU",)),
    ),
)


def test_the_default_nested_design_can_fail_over() -> None:
    """Geographic over nested Priority children (the sandbox's design) passes every check."""
    assert design_refusals(GOOD, "us", ["eu"], INGRESSES) == []


def test_a_geographic_leaf_never_fails_over() -> None:
    """Problem 6: a Geographic endpoint that points straight at the target is refused, naming
    profile and endpoint ("If that endpoint is unavailable, another endpoint will not be selected
    to failover to", learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring)."""
    flat = replace(
        GOOD,
        endpoints=(
            DesignEndpoint("na", "ExternalEndpoints", "us.ingress.test", geo_mapping=("GEO-NA",)),
            DesignEndpoint("eu", "ExternalEndpoints", "eu.ingress.test", geo_mapping=("GEO-EU",)),
        ),
    )
    (problem,) = design_refusals(flat, "us", ["eu"], INGRESSES)
    assert "profile myapp endpoint na is a Geographic endpoint" in problem
    assert "GEO-NA" in problem and "nested child profile" in problem


def test_always_serve_on_the_target_is_refused() -> None:
    """Always Serve disables probing ("If Always Serve is enabled, probing for endpoint health
    will be disabled", Traffic Manager REST API 2022-04-01), so the target would stay in DNS."""
    child = _child("myapp-na", "us.ingress.test", "eu.ingress.test")
    child = replace(
        child, endpoints=(replace(child.endpoints[0], always_serve=True), *child.endpoints[1:])
    )
    design = replace(GOOD, endpoints=(_nested("na", child, ("GEO-NA",)), GOOD.endpoints[1]))
    (problem,) = design_refusals(design, "us", ["eu"], INGRESSES)
    assert "profile myapp-na endpoint us has Always Serve" in problem and "Disabled" in problem


def test_a_target_that_is_already_down_is_refused() -> None:
    """Problem 5: a target whose endpoints are Degraded now would measure nothing."""
    child = _child("myapp-na", "us.ingress.test", "eu.ingress.test")
    degraded = replace(child.endpoints[0], monitor_status="Degraded")
    other = _child("myapp-eu", "eu.ingress.test", "us.ingress.test")
    design = replace(
        GOOD,
        endpoints=(
            _nested("na", replace(child, endpoints=(degraded, child.endpoints[1])), ("GEO-NA",)),
            _nested(
                "eu",
                replace(
                    other,
                    endpoints=(
                        other.endpoints[0],
                        replace(other.endpoints[1], monitor_status="Degraded"),
                    ),
                ),
                ("GEO-EU",),
            ),
        ),
    )
    problems = design_refusals(design, "us", ["eu"], INGRESSES)
    assert any(p.startswith("the target us is not serving now") for p in problems), problems


def test_a_survivor_not_online_is_refused() -> None:
    """A survivor endpoint that is Degraded now is named, with what to do."""
    child = _child("myapp-na", "us.ingress.test", "eu.ingress.test")
    design = replace(
        GOOD,
        endpoints=(
            _nested(
                "na",
                replace(
                    child,
                    endpoints=(
                        child.endpoints[0],
                        replace(child.endpoints[1], monitor_status="Degraded"),
                    ),
                ),
                ("GEO-NA",),
            ),
            GOOD.endpoints[1],
        ),
    )
    problems = design_refusals(design, "us", ["eu"], INGRESSES)
    assert problems == [
        "survivor eu is not serving now: profile myapp-na endpoint eu is Degraded; "
        "fix it (or enable it) before the drill"
    ]


def test_min_child_endpoints_the_survivor_cannot_meet() -> None:
    """A nested endpoint with minChildEndpoints 2 over a child that keeps one endpoint while the
    target is down turns Degraded: refused with the value to set."""
    design = replace(
        GOOD,
        routing_method="Priority",
        endpoints=(
            _nested(
                "na",
                _child("myapp-na", "us.ingress.test", "eu.ingress.test"),
                (),
                min_child_endpoints=2,
            ),
        ),
    )
    (problem,) = design_refusals(design, "us", ["eu"], INGRESSES)
    assert "profile myapp endpoint na needs minChildEndpoints=2" in problem
    assert "set minChildEndpoints to 1" in problem


def test_answers_map_to_regions_by_cname_and_by_address() -> None:
    """Problem 7: an A or AAAA answer maps to the region whose ingress is that IP."""
    assert region_of_answer(["20.51.4.10"], INGRESSES) == "us"
    assert region_of_answer(["EU.ingress.test."], INGRESSES) == "eu"
    assert region_of_answer(["2001:db8::1"], {"v6": ("2001:0db8:0::1",)}) == "v6"
    assert region_of_answer(["198.51.100.1"], INGRESSES) is None


def test_the_prediction_follows_the_documented_timeline() -> None:
    """Microsoft's timeline (interval 30 s, tolerated 3, timeout 10 s, TTL 30 s): Degraded after
    the fourth consecutive failure, so 90 s at the earliest and 130 s at the latest; clients
    cached up to one TTL more (learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring:
    "After a fourth consecutive failure, the monitoring system marks the unavailable endpoint
    status as Degraded")."""
    p = predict(Monitor(interval_s=30, timeout_s=10, tolerated_failures=3), 30)
    assert (p.detection.earliest_s, p.detection.latest_s) == (90.0, 130.0)
    assert (p.dns_flip.earliest_s, p.dns_flip.latest_s) == (90.0, 130.0)
    assert (p.client.earliest_s, p.client.latest_s) == (90.0, 160.0)
    assert predict(MONITOR, 30, propagation_s=60).dns_flip.latest_s == 45.0 + 60


def test_the_tree_shows_routing_monitor_and_regions() -> None:
    """plan --inspect's tree names the routing method, monitor settings and each leaf's region."""
    text = "\n".join(render_tree(GOOD, INGRESSES))
    assert "myapp [Geographic] ttl 30s monitor HTTP:80/healthz every 10s" in text
    assert "us (ExternalEndpoints) us.ingress.test -> region us Online priority 1" in text
