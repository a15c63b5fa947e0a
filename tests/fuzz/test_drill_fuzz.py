"""Structure-aware fuzzing of drill files: the reference drill with fields replaced, deleted or
added, written back as YAML, either loads or fails with located problems and nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillkit.errors import DrillDefinitionError
from drillkit.spec.loader import load_drill
from drillkit.spec.model import Drill
from tests.conftest import US_OUTAGE
from tests.fuzz.jsonmut import mutated

_DIR = Path(tempfile.mkdtemp(prefix="drillkit-fuzz-"))
(_DIR / "world.yaml").write_text("# world\n", encoding="utf-8")
BASE: dict[str, Any] = yaml.safe_load(US_OUTAGE.read_text(encoding="utf-8"))
BASE["metadata"].pop("runbook")  # the runbook path is relative to drills/sandbox/
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(document: Any) -> Drill | None:
    """Write ``document`` as YAML and load it; located problems are the only failure allowed."""
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    path = _DIR / "drill.yaml"
    path.write_text(text, encoding="utf-8")
    lines = text.count("\n") + 1
    try:
        return load_drill(path, env={})
    except DrillDefinitionError as e:
        assert e.problems
        for problem in e.problems:
            assert 1 <= problem.line <= lines, str(problem)
            assert problem.column >= 1, str(problem)
            assert problem.message.strip(), str(problem)
            assert problem.file == str(path)
        return None


def test_the_unmutated_base_loads() -> None:
    """The seed of every mutation is itself a valid drill (else the fuzzing proves little)."""
    drill = _load(BASE)
    assert drill is not None and drill.metadata.name == "us-outage"


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_type_preserving_mutations(data: st.DataObject) -> None:
    """Fields replaced by other values of their type, deleted, or added: load or located errors."""
    document = data.draw(mutated(BASE))
    drill = _load(document)
    if drill is not None:
        assert drill.target in drill.regions


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_type_confused_mutations(data: st.DataObject) -> None:
    """Any JSON value in any field of the reference drill: load or located errors."""
    _load(data.draw(mutated(BASE, keep_types=False)))
