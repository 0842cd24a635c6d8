"""Structured logs: one JSON object a line, with secrets scrubbed from every field."""

from __future__ import annotations

import json
import logging
import re
import sys

_SECRET = re.compile(r"(xox[abpre]-[\w-]+|xapp-[\w-]+|[MN][\w-]{23,}\.[\w-]{6}\.[\w-]{27,})")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def scrub(value: str) -> str:
    """Replace anything shaped like a Slack or Discord token."""
    return _SECRET.sub("[redacted]", value)


class JsonFormatter(logging.Formatter):
    """Render a record and its ``extra`` fields as JSON, tokens redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": scrub(record.getMessage())}
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (test runners and daemons swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(level: str = "INFO") -> None:
    """Send JSON logs to stderr, keeping stdout for answers and ``--json`` output."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level.upper())  # a library that sets its own logger to DEBUG when imported (bm25s) stays quiet
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("sentence_transformers", "httpx", "urllib3", "filelock", "bm25s", "trafilatura", "faiss", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
