"""The CLI contract of the foundation: --version, validate, schema, plan, and their exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from drillkit import __version__
from drillkit.cli.main import cli
from drillkit.exitcodes import ExitCode
from tests.conftest import AKS_EXAMPLE, DRILLS, US_OUTAGE


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    """--version prints the package version."""
    code, out, _ = run("--version")
    assert code == 0
    assert out.strip() == f"drillkit, version {__version__}"


def test_validate_shipped_drills() -> None:
    """Every shipped drill validates, given the example's environment variable."""
    code, out, err = run("validate", str(DRILLS), env={"AZURE_SUBSCRIPTION_ID": "s"})
    assert code == ExitCode.PASS, err
    assert f"{US_OUTAGE}: valid" in out
    assert f"{AKS_EXAMPLE}: valid" in out


def test_validate_reports_each_problem_located(
    write_drill: Callable[..., Path], us_outage_text: str
) -> None:
    """An invalid file exits 2 and prints FILE:LINE:COL: message per problem."""
    bad = write_drill(us_outage_text.replace("target: us ", "target: mars "), "bad.yaml")
    code, out, err = run("validate", str(bad), str(US_OUTAGE))
    assert code == ExitCode.USAGE
    assert f"{bad}:20:9: target 'mars' is not one of the regions: us, eu" in err
    assert f"{US_OUTAGE}: valid" in out
    assert "1 invalid file(s)" in err
    assert "Traceback" not in err


def test_validate_missing_file() -> None:
    """A path that does not exist is reported as a located problem, exit 2."""
    code, _, err = run("validate", "no/such/drill.yaml")
    assert code == ExitCode.USAGE
    assert "no/such/drill.yaml:1:1: no such file" in err


def test_schema_is_json_schema_of_the_drill() -> None:
    """schema prints a JSON Schema whose required keys are the drill's top-level fields."""
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"apiVersion", "kind", "regions", "target", "fault", "observe"} <= set(
        schema["required"]
    )
    assert schema["properties"]["fault"]["discriminator"]["propertyName"] == "type"


def test_plan_json_is_one_document() -> None:
    """plan --output json prints exactly one JSON document with the steps."""
    code, out, _ = run("plan", str(US_OUTAGE), "--output", "json")
    assert code == 0
    plan = json.loads(out)
    assert plan["target"] == "us"
    assert plan["steps"][0]["phase"] == "preflight"
    assert plan["vantagePoints"][0] == {
        "name": "new-york",
        "clientSubnet": "24.1.2.0/24",
        "expectDuringOutage": "eu",
    }


def test_plan_of_invalid_drill_exits_2(
    write_drill: Callable[..., Path], us_outage_text: str
) -> None:
    """plan refuses an invalid drill with the same located messages as validate."""
    bad = write_drill(us_outage_text.replace("pollInterval: 250ms", "pollInterval: soon"))
    code, out, err = run("plan", str(bad))
    assert code == ExitCode.USAGE
    assert out == ""
    assert f"{bad}:28:17: observe.pollInterval: 'soon' is not a duration" in err


def test_help_and_validate_import_no_heavy_sdk() -> None:
    """--help and validate never import kubernetes, azure, dns or httpx."""
    probe = (
        "import sys\n"
        "from drillkit.cli.main import main\n"
        "for args in (['--help'], ['validate', '-q', sys.argv[1]]):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('kubernetes', 'azure', 'dns', 'httpx', 'aiohttp', 'jinja2'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(US_OUTAGE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "HEAVY []" in result.stdout, result.stdout
