"""structlog, configured once at the CLI edge: JSON lines off a TTY, readable on one."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from drillkit.core.redact import redact


def redact_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> Any:
    """structlog processor: hide tokens, secrets and credentials in every field."""
    return {key: redact(value, key=key) for key, value in event_dict.items()}


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now, so that a swapped or closed stream is not kept."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(log_format: str = "auto", verbose: int = 0) -> None:
    """Configure structlog to write to stderr; stdout is kept for command output."""
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_processor,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
