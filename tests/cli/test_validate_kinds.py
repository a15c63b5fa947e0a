"""validate dispatches on ``kind`` and treats an unset ${VAR} as a warning unless --strict."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from drillkit.cli.main import cli
from drillkit.exitcodes import ExitCode
from tests.conftest import AKS_EXAMPLE, DRILLS

WORLD = DRILLS / "sandbox" / "world.yaml"


def run(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_project_files_validate_by_kind() -> None:
    """validate over the project's own files (drills and the world) passes, each by its kind."""
    files = sorted(str(p) for p in DRILLS.rglob("*.yaml"))
    code, out, err = run("validate", *files, env={"AZURE_SUBSCRIPTION_ID": "s"})
    assert code == ExitCode.PASS, err
    assert f"{WORLD}: valid world" in out


def test_world_problems_are_located_against_the_world_schema(tmp_path: Path) -> None:
    """A broken SandboxWorld file is reported against the world schema, at its line."""
    broken = tmp_path / "world.yaml"
    broken.write_text(WORLD.read_text().replace("timeScale: 0.1", "timeScale: 7"))
    code, _, err = run("validate", str(broken))
    assert code == ExitCode.USAGE
    line = next(i for i, t in enumerate(broken.read_text().splitlines(), 1) if "timeScale" in t)
    assert f"{broken}:{line}:" in err and "timeScale" in err


def test_unknown_kind_is_named(tmp_path: Path) -> None:
    """A YAML file of another kind is refused, naming the kinds drillkit reads."""
    other = tmp_path / "deploy.yaml"
    other.write_text("apiVersion: apps/v1\nkind: Deployment\n")
    code, _, err = run("validate", str(other))
    assert code == ExitCode.USAGE
    assert "kind Deployment is not a drillkit document (use Drill or SandboxWorld)" in err


def test_unset_variable_warns_for_validate_and_fails_strict() -> None:
    """An unset ${VAR} is a located warning with exit 0; with --strict it is an error, exit 2."""
    env: dict[str, str | None] = {"AZURE_SUBSCRIPTION_ID": None}
    code, out, err = run("validate", str(AKS_EXAMPLE), env=env)
    assert code == ExitCode.PASS, err
    assert f"{AKS_EXAMPLE}: valid drill" in out
    assert (
        f"{AKS_EXAMPLE}:8:21: warning: environment variable AZURE_SUBSCRIPTION_ID is not set" in err
    )
    code, _, err = run("validate", "--strict", str(AKS_EXAMPLE), env=env)
    assert code == ExitCode.USAGE
    assert "warning" not in err and "AZURE_SUBSCRIPTION_ID is not set" in err


def test_unset_variable_is_still_an_error_for_plan() -> None:
    """plan refuses a drill whose ${VAR} is unset: the warning is for validate only."""
    code, _, err = run("plan", str(AKS_EXAMPLE), env={"AZURE_SUBSCRIPTION_ID": None})
    assert code == ExitCode.USAGE
    assert "environment variable AZURE_SUBSCRIPTION_ID is not set" in err


def test_world_schema_accepts_the_default_world() -> None:
    """schema --kind world prints a JSON Schema that the shipped world file satisfies."""
    code, out, _ = run("schema", "--kind", "world")
    assert code == ExitCode.PASS
    schema = json.loads(out)
    assert schema["$id"] == "https://drillkit.dev/schemas/world-v1.json"
    jsonschema.validate(yaml.safe_load(WORLD.read_text()), schema)
    broken = yaml.safe_load(WORLD.read_text()) | {"kind": "Drill"}
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the world schema accepted kind: Drill")
