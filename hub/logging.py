"""structlog, configured once: JSON lines off a terminal, readable console output on one.

Standard-library logging (kafka-python, psycopg, eventsourcing) goes through the same
processors, so every line the process writes has one shape. Log events have static names and
key-value fields; context such as topic, partition, offset and case id is bound per message
with ``structlog.contextvars.bound_contextvars``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record, not at configuration.

    A process that swaps its standard error (a test runner capturing output, a daemon
    redirecting it) keeps its log lines instead of writing to a stream closed since.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str = "INFO", *, json: bool | None = None) -> None:
    """Configure structlog and stdlib logging; idempotent.

    Replaces only the handler it installed before (so a test runner's handlers stay).
    """
    if json is None:
        json = not sys.stderr.isatty()
    shared = _shared_processors()
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            # First, so a line below the level costs a level check, not a timestamp and a dict.
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger that cached its processors is invisible to
        # structlog.testing.capture_logs, which the tests read; per-batch lines barely notice.
        cache_logger_on_first_use=False,
    )
    handler = _StderrHandler()
    handler.setFormatter(_formatter(shared, renderer, json=json))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _StderrHandler | _FileHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # kafka-python is chatty at INFO (every connection, every rebalance step).
    logging.getLogger("kafka").setLevel(max(logging.WARNING, root.level))


class _FileHandler(logging.FileHandler):
    """The log file ``log_to_file`` installed (told apart from any other file handler)."""


@contextmanager
def logging_to_file(path: Path) -> Iterator[None]:
    """While inside, the process logs to ``path`` (JSON lines, appended) instead of standard
    error, at the level ``configure_logging`` set: for a program whose own output is the story
    it tells (``casehub demo``), where a log line would break into it. The handlers it
    replaced are back afterwards."""
    root = logging.getLogger()
    replaced = [h for h in root.handlers if isinstance(h, _StderrHandler | _FileHandler)]
    for previous in replaced:
        root.removeHandler(previous)
    handler = _FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        _formatter(
            _shared_processors(), structlog.processors.JSONRenderer(ensure_ascii=False), json=True
        )
    )
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        for previous in replaced:
            root.addHandler(previous)


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _formatter(shared: list[Any], renderer: Any, *, json: bool) -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if json else _identity,
            renderer,
        ],
    )


def _identity(_logger: Any, _name: str, event_dict: Any) -> Any:
    return event_dict


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
