"""A custom evidence template's error is reported at the template's real line."""

from __future__ import annotations

import pytest

from drillkit.errors import DrillDefinitionError
from drillkit.evidence import render
from tests.evidence.reports import make_report


def test_undefined_name_is_reported_at_its_line(tmp_path):
    """A render-time error (an undefined name on line 3) names line 3, not line 1."""
    template = tmp_path / "evidence.md.j2"
    template.write_text("# {{ runId }}\n\nRTO: {{ nosuch.field }}\n")
    with pytest.raises(DrillDefinitionError) as caught:
        render(make_report(), "md", template)
    assert str(caught.value) == f"{template}:3:1: evidence template error: 'nosuch' is undefined"


def test_error_inside_a_loop_names_the_loop_body_line(tmp_path):
    """An error raised by a filter inside a for loop names the body's line."""
    template = tmp_path / "evidence.md.j2"
    template.write_text(
        "# {{ runId }}\n{% for o in objectives %}\n- {{ o.name }}\n- {{ o.nothing.deeper }}\n"
        "{% endfor %}\n"
    )
    with pytest.raises(DrillDefinitionError) as caught:
        render(make_report(), "md", template)
    assert str(caught.value).startswith(f"{template}:4:1: evidence template error")
