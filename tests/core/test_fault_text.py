"""Each fault type describes itself for plans and reports, and promises only what drillkit does."""

from __future__ import annotations

from typing import get_args

from drillkit.core.faults import describe
from drillkit.core.plan import build_plan, render_text
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill, Fault
from tests.conftest import AKS_EXAMPLE, US_OUTAGE


def _with_fault(fault: dict[str, object]) -> Drill:
    data = load_drill(US_OUTAGE).model_dump(mode="json", by_alias=True)
    data["fault"] = fault
    return Drill.model_validate(data)


FAULTS = {
    "drain": {"type": "drain"},
    "scale-down": {"type": "scale-down", "namespace": "shop", "selector": "app=web"},
    "disable-endpoint": {"type": "disable-endpoint"},
    "manual": {"type": "manual", "instructions": "Disable the us endpoint", "namespace": "shop"},
}


def test_every_fault_type_of_the_spec_has_a_description() -> None:
    """describe() answers for every fault model of the drill language, each headline naming it."""
    types = {get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(Fault)[0])}
    assert types == set(FAULTS)
    for name, fault in FAULTS.items():
        text = describe(_with_fault(fault))
        assert text.headline.startswith(name) and text.inject and text.snapshot


def test_scale_down_plan_promises_nothing_about_hpas_it_does_not_do() -> None:
    """The scale-down plan leaves HPAs alone and says why, as Kubernetes documents it.

    https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#implicit-maintenance-mode-deactivation
    "If the target's desired replica count is set to 0, and the HPA's minimum replica count is
    greater than 0, the HPA stops adjusting the target (and sets the `ScalingActive` Condition on
    itself to `false`) until you reactivate it by manually adjusting the target's desired replica
    count or HPA's minimum replica count."
    """
    text = render_text(build_plan(load_drill(AKS_EXAMPLE, env={"AZURE_SUBSCRIPTION_ID": "0"})))
    assert "minReplicas 0 first" not in text
    assert "HorizontalPodAutoscalers are left as they are" in text
    assert "implicit maintenance-mode deactivation" in text
    assert "#implicit-maintenance-mode-deactivation" in text


def test_disable_endpoint_plan_names_the_endpoints_or_the_ingress() -> None:
    """Without names, disable-endpoint's plan says it picks endpoints by the target's ingress."""
    drill = _with_fault(FAULTS["disable-endpoint"])
    (line,) = describe(drill).inject
    assert f"every endpoint whose target is {drill.regions['us'].ingress}" in line


def test_manual_plan_says_what_the_person_does_and_what_is_watched() -> None:
    """A manual plan says drillkit changes nothing, what the person is asked, what is watched
    and where the time to act counts from."""
    drill = _with_fault({**FAULTS["manual"], "page": "CRITICAL: us is down"})
    text = render_text(build_plan(drill))
    assert "drillkit changes nothing" in text
    assert "you are asked to: Disable the us endpoint" in text
    assert "spec.unschedulable of every node in us\n" in text
    assert "replicas of the Deployments and StatefulSets in shop in us" in text
    assert "profileStatus of every profile under myapp" in text
    assert "the time to act is measured from the page" in text
    assert "abort.maxDuration (10m)" in text
