"""Logging is configured once at the edge: JSON lines off a TTY, secrets redacted."""

from __future__ import annotations

import json

import pytest
import structlog

from drillkit.cli.logsetup import configure_logging

SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2VjcmV0LXNpZ25hdHVyZQ"


def test_json_lines_with_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    """With --log-format json each event is one JSON object and tokens are hidden."""
    configure_logging("json", verbose=1)
    structlog.get_logger().info("drill.inject.started", token=SECRET, header=f"Bearer {SECRET}")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    event = json.loads(line)
    assert event["event"] == "drill.inject.started"
    assert event["level"] == "info"
    assert event["token"] == "[redacted]"
    assert SECRET not in line


def test_default_level_hides_info(capsys: pytest.CaptureFixture[str]) -> None:
    """Without -v only warnings and errors are logged."""
    configure_logging("json", verbose=0)
    log = structlog.get_logger()
    log.info("quiet.event")
    log.warning("loud.event")
    err = capsys.readouterr().err
    assert "quiet.event" not in err
    assert "loud.event" in err
