"""The single entry point for checks: ``nox`` runs tests, lint and typecheck."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """pytest with coverage (the real-apiserver tier joins in when its binaries exist)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-m",
        "not chaos",
        "--cov=drillkit",
        "--cov-report=term",
        "--durations=40",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def chaos(session: nox.Session) -> None:
    """The sandbox drill under API faults and the SIGKILL crash matrix (tests marked chaos)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "chaos", "tests/chaos", "tests/crash", *session.posargs)


@nox.session(name="chaos-full", python=PYTHON)
def chaos_full(session: nox.Session) -> None:
    """Every point of issue 18's matrices (chaos samples them with a fixed seed): every damage
    point, every signal during restore, the 90 s blackouts. About 40 minutes on 2 cores. Then
    every point of the sandbox-drill matrices that ``nox`` samples (SAMPLED_DRILLS)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest", "-m", "chaos", "tests/chaos", "tests/crash", *session.posargs,
        env={"DRILLKIT_CHAOS_FULL": "1"},
    )  # fmt: skip
    # the sandbox drills that `nox` samples (one scenario per fault, gate, pause or kill point)
    session.run("pytest", *SAMPLED_DRILLS, *session.posargs, env={"DRILLKIT_CHAOS_FULL": "1"})


SAMPLED_DRILLS = (
    "tests/e2e/test_crash_restore.py",
    "tests/e2e/test_step_gates.py",
    "tests/e2e/test_hostile_drills.py",
    "tests/unattended/test_markers_drills.py",
)


@nox.session(python=PYTHON)
def audit(session: nox.Session) -> None:
    """pip-audit of the dependency set; needs PyPI's JSON API or OSV (not reachable everywhere)."""
    session.install("-e", ".[test]", "pip-audit>=2.7")
    session.run("pip-audit", "--strict", "--skip-editable", "--progress-spinner", "off")


ADAPTER_TESTS = (
    "tests/adapters/test_trafficmanager_dns_http.py",
    "tests/adapters/test_design_read.py",
    "tests/realazure",
)


@nox.session(python=PYTHON)
@nox.parametrize("trafficmanager", ["1.1.0", "2.*"])
def sdk(session: nox.Session, trafficmanager: str) -> None:
    """The Traffic Manager adapter tests against the lowest supported azure-mgmt-trafficmanager
    (1.1.0, api-version 2022-04-01) and the current 2.x: the floor in pyproject is what passes."""
    session.install("-e", ".[test]", f"azure-mgmt-trafficmanager=={trafficmanager}")
    session.run("pytest", "-p", "no:cacheprovider", *ADAPTER_TESTS, *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the import-linter layer contracts."""
    session.install("-e", ".", "ruff>=0.6", "import-linter>=2.1")
    session.run("ruff", "check", "drillkit", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "drillkit", "tests", "bench", "noxfile.py")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[test]", "mypy>=1.10", "types-PyYAML")
    session.run("mypy", "--strict", "drillkit")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks side by side with the peers; writes docs/benchmarks.md."""
    session.install(".[test]", "chaostoolkit")
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(python=False)
def image(session: nox.Session) -> None:
    """Build the Dockerfile with buildah over an mmdebstrap base; smoke-test drillkit --version."""
    session.run("bash", "scripts/image/build.sh", external=True)
