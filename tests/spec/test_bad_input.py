"""Every malformed drill is refused with located, plain messages and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from drillkit.errors import DrillDefinitionError, Problem
from drillkit.spec.loader import load_drill

WriteDrill = Callable[..., Path]


def problems_of(path: Path, env: dict[str, str] | None = None) -> list[Problem]:
    with pytest.raises(DrillDefinitionError) as caught:
        load_drill(path, env=env if env is not None else {})
    assert caught.value.problems, "an invalid drill must carry at least one problem"
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_yaml_syntax_error_is_located(write_drill: WriteDrill, us_outage_text: str) -> None:
    """An unclosed flow sequence reports the line where YAML gave up."""
    path = write_drill(
        us_outage_text.replace("nameservers", "x").replace(
            "pollInterval: 250ms", "pollInterval: [250ms"
        )
    )
    problem = only(problems_of(path))
    assert problem.file == str(path)
    assert "YAML syntax error" in problem.message
    assert problem.line >= line_of(us_outage_text, "pollInterval")


def test_tab_indentation_is_named(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A tab used for indentation is reported as such, at its line."""
    text = us_outage_text.replace("  profile: myapp", "\tprofile: myapp")
    problem = only(problems_of(write_drill(text)))
    assert "tab character" in problem.message
    assert problem.line == line_of(text, "profile: myapp")


def test_unknown_field_suggests_the_right_one(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A misspelt field is located at its key and a close match is suggested."""
    text = us_outage_text.replace("evictionTimeout", "evictonTimeout")
    problem = only(problems_of(write_drill(text)))
    assert problem.message == (
        "unknown field 'evictonTimeout' in fault; did you mean 'evictionTimeout'?"
    )
    assert (problem.line, problem.column) == (line_of(text, "evictonTimeout"), 3)


def test_unknown_top_level_field(write_drill: WriteDrill, us_outage_text: str) -> None:
    """An unknown top-level key is named with a suggestion."""
    text = us_outage_text.replace("objectives:", "objective:")
    problem = only(problems_of(write_drill(text)))
    assert (
        problem.message
    ) == "unknown field 'objective' in the document; did you mean 'objectives'?"


def test_wrong_type_is_named(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A mapping where a boolean belongs is reported with the field's path."""
    text = us_outage_text.replace("onSurvivorUnhealthy: true", "onSurvivorUnhealthy: [yes]")
    problem = only(problems_of(write_drill(text)))
    assert problem.message.startswith("abort.onSurvivorUnhealthy: ")
    assert problem.line == line_of(text, "onSurvivorUnhealthy")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("5 parsecs", "'5 parsecs' is not a duration"),
        ("-5s", "'-5s' is negative"),
        ("5", "expected a duration string with a unit"),
        ("5x", "'5x' is not a duration"),
    ],
)
def test_bad_durations(
    write_drill: WriteDrill, us_outage_text: str, written: str, expected: str
) -> None:
    """Durations without a unit, with an unknown unit, or negative are refused, located."""
    text = us_outage_text.replace("evictionTimeout: 5s", f"evictionTimeout: {written}")
    problem = only(problems_of(write_drill(text)))
    assert problem.message.startswith("fault.evictionTimeout: ")
    assert expected in problem.message
    assert problem.line == line_of(text, "evictionTimeout")


def test_unknown_fault_type(write_drill: WriteDrill, us_outage_text: str) -> None:
    """An unknown fault type lists the four that exist."""
    text = us_outage_text.replace("type: drain ", "type: meteor ")
    problem = only(problems_of(write_drill(text)))
    assert problem.message == (
        "fault.type: unknown fault type 'meteor'; expected one of: "
        "drain, scale-down, disable-endpoint, manual"
    )
    assert problem.line == line_of(text, "type: meteor")


def test_bad_cidr(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A client subnet that is not a CIDR is refused at its value."""
    text = us_outage_text.replace("128.7.8.0/24", "128.7.8.0/40")
    problem = only(problems_of(write_drill(text)))
    assert "'128.7.8.0/40' is not a CIDR subnet" in problem.message
    assert problem.message.startswith("observe.vantagePoints.1.clientSubnet")


def test_unknown_target_region(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A target that is not a region names the regions that exist."""
    text = us_outage_text.replace("target: us ", "target: mars ")
    problem = only(problems_of(write_drill(text)))
    assert problem.message == "target 'mars' is not one of the regions: us, eu"
    assert problem.line == line_of(text, "target: mars")


def test_expectation_cannot_be_the_target(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A vantage point may not expect the region that is down."""
    text = us_outage_text.replace("expectDuringOutage: eu", "expectDuringOutage: us", 1)
    problem = only(problems_of(write_drill(text)))
    assert "is the target, which is down during the outage" in problem.message


def test_expectation_must_be_a_region(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A vantage point expecting an unknown region is refused."""
    text = us_outage_text.replace("expectDuringOutage: eu", "expectDuringOutage: asia", 1)
    problem = only(problems_of(write_drill(text)))
    assert problem.message == "expectDuringOutage 'asia' is not one of the regions: us, eu"


def test_one_region_is_not_a_failover(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A drill with a single region is refused."""
    start = us_outage_text.index("  eu:\n    kubeContext")
    end = us_outage_text.index("target:")
    text = us_outage_text[:start] + us_outage_text[end:]
    messages = [p.message for p in problems_of(write_drill(text))]
    assert "a failover drill needs at least two regions, got 1" in messages


def test_unset_variable_is_named(write_drill: WriteDrill, us_outage_text: str) -> None:
    """``${VAR}`` with VAR unset names the variable, at its line."""
    text = us_outage_text.replace("profile: myapp", "profile: ${TM_PROFILE}")
    problem = only(problems_of(write_drill(text), env={}))
    assert "environment variable TM_PROFILE is not set" in problem.message
    assert problem.line == line_of(text, "TM_PROFILE")


def test_variables_and_defaults_are_substituted(
    write_drill: WriteDrill, us_outage_text: str
) -> None:
    """``${VAR}`` takes the environment's value and ``${VAR:-x}`` falls back to x."""
    text = us_outage_text.replace("profile: myapp", "profile: ${TM_PROFILE}").replace(
        "owner: sre-oncall", "owner: ${OWNER:-platform}"
    )
    drill = load_drill(write_drill(text), env={"TM_PROFILE": "shop"})
    assert drill.traffic_manager.profile == "shop"
    assert drill.metadata.owner == "platform"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "apiVersion: drillkit.dev/v1",
            "apiVersion: drillkit.dev/v9",
            "apiVersion: expected 'drillkit.dev/v1', got 'drillkit.dev/v9'",
        ),
        ("kind: Drill", "kind: Experiment", "kind: expected 'Drill', got 'Experiment'"),
    ],
)
def test_wrong_kind_or_api_version(
    write_drill: WriteDrill, us_outage_text: str, old: str, new: str, expected: str
) -> None:
    """A document of another kind or version is refused with what was expected."""
    text = us_outage_text.replace(old, new)
    problem = only(problems_of(write_drill(text)))
    assert problem.message == expected
    assert problem.line == line_of(text, new)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(write_drill: WriteDrill, text: str) -> None:
    """An empty file says so."""
    problem = only(problems_of(write_drill(text)))
    assert "empty" in problem.message
    assert (problem.line, problem.column) == (1, 1)


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("just a string\n", "a string"), ("42\n", "a int")]
)
def test_non_mapping_document(write_drill: WriteDrill, text: str, kind: str) -> None:
    """A document that is not a mapping says what it is instead."""
    problem = only(problems_of(write_drill(text)))
    assert problem.message == f"expected a mapping (apiVersion: ..., kind: ...), got {kind}"


def test_binary_file(write_drill: WriteDrill) -> None:
    """Binary content is refused without trying to parse it."""
    problem = only(problems_of(write_drill(b"\x7fELF\x02\x01\x00\x00binary")))
    assert problem.message == "binary content; expected YAML text"


def test_not_utf8(write_drill: WriteDrill) -> None:
    """Latin-1 bytes are refused as not UTF-8."""
    problem = only(problems_of(write_drill("kind: Drill\nname: caf\xe9\n".encode("latin-1"))))
    assert problem.message == "not UTF-8 text; drill files are UTF-8 YAML"
    assert problem.line == 2


def test_alias_bomb_fails_fast(write_drill: WriteDrill) -> None:
    """Nine levels of nine-fold aliases are refused at once instead of expanding."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    problem = only(problems_of(write_drill("\n".join(lines) + "\n")))
    assert "alias bomb" in problem.message


def test_python_tag_is_refused(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A python object tag is refused and never constructed."""
    text = us_outage_text.replace(
        "owner: sre-oncall", "owner: !!python/object/apply:os.system ['true']"
    )
    problem = only(problems_of(write_drill(text)))
    assert "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in (
        problem.message
    )
    assert problem.line == line_of(text, "owner:")


def test_duplicate_key(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A key given twice is refused at the second one, naming the first."""
    text = us_outage_text.replace("target: us ", "target: eu\ntarget: us ")
    problem = only(problems_of(write_drill(text)))
    first = line_of(text, "target: eu")
    assert problem.message == f"duplicate key 'target' (first defined on line {first})"
    assert problem.line == first + 1


def test_missing_relative_file(write_drill: WriteDrill, us_outage_text: str) -> None:
    """A world file that does not exist next to the drill is named."""
    text = us_outage_text.replace("world: world.yaml", "world: nowhere.yaml")
    problem = only(problems_of(write_drill(text)))
    assert problem.message.startswith("world file 'nowhere.yaml' does not exist")


def test_every_problem_at_once(write_drill: WriteDrill, us_outage_text: str) -> None:
    """Several independent mistakes are all reported, in file order."""
    text = (
        us_outage_text.replace("owner: sre-oncall", "ownr: sre-oncall")
        .replace("target: us ", "target: mars ")
        .replace("pollInterval: 250ms", "pollInterval: fast")
        .replace("rto: 120s", "rto: -1s")
    )
    problems = problems_of(write_drill(text))
    assert len(problems) == 4
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert "did you mean 'owner'?" in problems[0].message


DRAIN_LINES = (
    "  type: drain                    # drain | scale-down | disable-endpoint\n"
    "  nodeSelector: {}               # drain: which nodes (all by default)\n"
)


def _scale_down(text: str, controllers: str) -> str:
    """us-outage with a scale-down fault whose controllers setting is ``controllers``."""
    fault = "  type: scale-down\n  namespace: shop\n  selector: app=web\n"
    text = text.replace(DRAIN_LINES, fault + f"  controllers: {controllers}\n")
    text = text.replace("  evictionTimeout: 5s", "  # evictionTimeout: 5s")
    return text.replace("  onBlocked: delete", "  # onBlocked: delete")


def test_controllers_mapping_names_its_missing_field(
    write_drill: WriteDrill, us_outage_text: str
) -> None:
    """controllers: {policy: pause, argocd: {}} names argocd.kubeContext, not the union's
    members (literal['refuse','pause'], ControllersPolicy)."""
    text = _scale_down(us_outage_text, "{policy: pause, argocd: {}}")
    problem = only(problems_of(write_drill(text)))
    assert problem.message == "fault.controllers.argocd.kubeContext: required field is missing"
    assert problem.line == line_of(text, "controllers:")


@pytest.mark.parametrize(
    ("controllers", "message"),
    [
        ("stop", "fault.controllers: expected 'refuse' or 'pause', got 'stop'"),
        ("{policy: stop}", "fault.controllers.policy: expected 'refuse' or 'pause', got 'stop'"),
        (
            "{policy: pause, argocd: {kubeContext: mgmt, namepsace: argocd}}",
            "unknown field 'namepsace' in fault.controllers.argocd; did you mean 'namespace'?",
        ),
    ],
)
def test_controllers_errors_speak_of_the_shape_written(
    write_drill: WriteDrill, us_outage_text: str, controllers: str, message: str
) -> None:
    """A word is judged as refuse | pause and a mapping as the policy object: one message each."""
    problem = only(problems_of(write_drill(_scale_down(us_outage_text, controllers))))
    assert problem.message == message


def test_namespaces_with_exclude_namespaces_is_refused(
    write_drill: WriteDrill, us_outage_text: str
) -> None:
    """A drain with both namespaces and excludeNamespaces is refused at excludeNamespaces, since
    the exclusion would be ignored."""
    text = us_outage_text.replace(
        "  onBlocked: delete",
        "  namespaces: [shop]\n  excludeNamespaces: [kube-system]\n  onBlocked: delete",
    )
    problem = only(problems_of(write_drill(text)))
    assert problem.message.startswith("set fault.namespaces or fault.excludeNamespaces, not both")
    assert problem.line == line_of(text, "excludeNamespaces:")
