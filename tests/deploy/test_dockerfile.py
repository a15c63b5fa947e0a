"""The Dockerfile: slim Python base, pip install ., a throw-away build stage, a non-root user."""

from __future__ import annotations

from tests.conftest import ROOT


def test_the_dockerfile_builds_in_two_stages_and_runs_as_non_root() -> None:
    """Compilers and pip stay in the build stage; the final stage copies only the virtualenv and
    switches to uid 10001 (``nox -s image`` builds it and runs ``drillkit --version``)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG BASE=python:3.11-slim" in text
    stages = text.split("\nFROM ")
    assert len(stages) == 3, "a build stage and a final stage"
    build, final = stages[1], stages[2]
    assert "pip install" in build and " ." in build and "pip uninstall --yes pip" in build
    assert "pip install" not in final and "apt-get" not in final
    assert "COPY --from=build /opt/drillkit /opt/drillkit" in final
    assert "USER 10001:10001" in final
    assert 'ENTRYPOINT ["drillkit"]' in final
